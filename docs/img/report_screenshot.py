"""Regenerate the screenshots of docs/report.md (needs chromium, chromedriver and selenium).

python docs/img/report_screenshot.py
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import apl
from apl import report

HERE = Path(__file__).resolve().parent


def main() -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    sample = apl.datasets.load_isere()
    result = apl.compute_apl(sample.demand, sample.supply, sample.travel_times)
    what_if = apl.AccessibilityModel(sample.demand, sample.travel_times).what_if(
        sample.supply, remove={"38185": 100_000}
    )
    real = sample.drees_apl[sample.drees_apl["year"] == 2023].set_index("commune")["population"]
    path = Path(tempfile.mkdtemp()) / "isere.html"
    report.write_report(
        result, path, geometries=sample.geometries(), population=real, compare=what_if,
        compare_label="−100 000 actes à Grenoble", lang="fr", year=2023,
        nearest_gp=apl.measures.cost_to_closest(sample.supply, sample.travel_times),
        notes=["Échantillon Isère : l'offre de médecins est ESTIMÉE (déduite de l'APL DREES 2023)."],
        sources=["DREES APL 2023 (recensement 2021)", "OSRM / © contributeurs OpenStreetMap (ODbL)",
                 "IGN Admin Express 2021 (Licence Ouverte 2.0)"],
    )  # fmt: skip
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--window-size=1280,1100",
        "--hide-scrollbars",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    try:
        driver.get(path.as_uri())
        driver.execute_script("document.getElementById('map-section').scrollIntoView()")
        driver.find_element(By.ID, "search").send_keys("Grenoble")
        driver.save_screenshot(str(HERE / "report_isere_fr.png"))
        driver.execute_script(
            "const s = document.getElementById('layer'); s.value = 'delta'; s.dispatchEvent(new Event('change'));"
            "document.getElementById('search').value = ''; document.getElementById('search').dispatchEvent(new Event('input'));"
            "document.getElementById('map-section').scrollIntoView()"
        )
        driver.save_screenshot(str(HERE / "report_isere_change_fr.png"))
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
