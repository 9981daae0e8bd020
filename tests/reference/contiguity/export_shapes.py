"""Export the bundled shapes to GeoPackage for the R reference script (not needed by the tests).

    python tests/reference/contiguity/export_shapes.py /tmp/spatialq-ref
    Rscript tests/reference/contiguity/poly2nb.R /tmp/spatialq-ref tests/reference/contiguity
"""

import sys
from pathlib import Path

from spatialq import geometry

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
for name, frame in (("provinces", geometry.provinces()), ("prefectures", geometry.prefectures()),
                    ("counties", geometry.counties())):
    frame.reset_index()[["adcode", "geometry"]].to_file(out / f"{name}.gpkg", driver="GPKG")
