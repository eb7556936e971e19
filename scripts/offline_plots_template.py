"""Build the offline HTML template of `dvc plots show/diff`: Vega, Vega-Lite and Vega-Embed inlined.

DVC's default page loads the three libraries from a CDN and stays blank without internet. This
template has no `{scripts}` placeholder (so DVC adds no CDN tags) and carries the libraries, at the
versions DVC's own page names, inside it. To rebuild it (npm registry, ordinary client):

    cd /tmp && npm pack vega@5.20.2 vega-lite@5.2.0 vega-embed@6.18.2
    for f in vega*.tgz; do mkdir -p "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}"; done
    python scripts/offline_plots_template.py /tmp

`.dvc/config` points `plots.html_template` at the result; tests/stages/test_offline_plots.py checks it.
"""

from __future__ import annotations

import sys
from pathlib import Path

LIBRARIES = (  # (npm package folder, built file): the order vegaEmbed needs
    ("vega-5.20.2", "vega.min.js"),
    ("vega-lite-5.2.0", "vega-lite.min.js"),
    ("vega-embed-6.18.2", "vega-embed.min.js"),
)
TEMPLATE = Path(".dvc/plots_page/offline.html")


def main(unpacked: Path) -> None:
    scripts = []
    for folder, built in LIBRARIES:
        package = unpacked / folder / "package"
        licence = (package / "LICENSE").read_text(encoding="utf-8").strip().replace("*/", "* /")
        code = (package / "build" / built).read_text(encoding="utf-8")
        assert "</script" not in code.lower()
        scripts.append(f"<script>/* {folder} ({built}), bundled for offline use.\n{licence}\n*/\n{code}\n</script>")
    page = "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            "{refresh_tag}",
            "<title>DVC plots (offline)</title>",
            *scripts,
            "<style>table { border-spacing: 15px; } img { max-width: 100%; }</style>",
            "</head>",
            "<body>",
            "{plot_divs}",
            "</body>",
            "</html>",
            "",
        ]
    )
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    TEMPLATE.write_text(page, encoding="utf-8")
    print(f"wrote {TEMPLATE} ({len(page) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
