// English pages: a "中文" link to the Chinese twin (docs/zh/<same name>.md) at the top of the page.
// The Chinese pages carry their own "English" link in the Markdown. API pages stay English only.
document.addEventListener("DOMContentLoaded", function () {
  var src = typeof mkdocs_page_input_path === "string" ? mkdocs_page_input_path : "";
  if (!/^[a-z_]+\.md$/.test(src)) return;
  var main = document.querySelector("[role='main']");
  if (!main) return;
  var name = src.replace(/\.md$/, "");
  var base = typeof base_url === "string" ? base_url : ".";
  var a = document.createElement("a");
  a.href = base + "/zh/" + (name === "index" ? "" : name + "/");
  a.textContent = "中文";
  a.className = "spatialq-lang";
  var p = document.createElement("p");
  p.appendChild(a);
  main.insertBefore(p, main.firstChild);
});
