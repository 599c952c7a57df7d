"""The HTML report in a real browser: headless Chromium driven by Selenium (chromedriver).

Skipped, with the reason, only where Chromium or its driver cannot be found (``.ci/run``
installs the Debian packages ``chromium`` and ``chromium-driver`` when missing).
"""

import json
import shutil
import urllib.parse
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import apl
from apl import report, zoning

webdriver = pytest.importorskip(
    "selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')"
)

CHROMIUM = next(
    (p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p),
    None,
)
DRIVER = shutil.which("chromedriver") or next((p for p in ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
                                               if Path(p).exists()), None)  # fmt: skip
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason=f"headless Chromium not found (chromium: {CHROMIUM}, chromedriver: {DRIVER}); "
    "install with: apt-get install chromium chromium-driver",
)

GRENOBLE = "38185"


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory):
    sample = apl.datasets.load_isere()
    result = apl.compute_apl(sample.demand, sample.supply, sample.travel_times)
    model = apl.AccessibilityModel(sample.demand, sample.travel_times)
    what_if = model.what_if(sample.supply, remove={GRENOBLE: 100_000})
    real = sample.drees_apl[sample.drees_apl["year"] == 2023].set_index("commune")["population"]
    # an illustrative probability table (the report only displays it)
    p = pd.DataFrame(
        {"p_below_2_5": 1.0 / (1.0 + np.exp((result["apl"] - 2.5) / 0.2))}, index=result.index
    )
    path = tmp_path_factory.mktemp("report") / "isere.html"
    report.write_report(result, path, geometries=sample.geometries(), population=real, compare=what_if,
                        uncertainty=p, nearest_gp=apl.measures.cost_to_closest(sample.supply, sample.travel_times),
                        year=2023, sources=["DREES APL 2023; OSRM/OpenStreetMap (ODbL); IGN Admin Express"],
                        notes=["Isère sample: the GP supply is ESTIMATED."])  # fmt: skip
    return path, result, len(sample.communes)


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--disable-extensions", "--no-first-run"):  # fmt: skip
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def open_page(driver, path: Path) -> None:
    driver.get(path.as_uri())
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script("return document.documentElement.dataset.ready === '1'")
    )


def severe(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def point_inside(driver, code: str) -> tuple[float, float]:
    """A viewport point where the commune's own path is the topmost element."""
    found = driver.execute_script(
        """const p = document.querySelector(`#map path.c[data-code="${arguments[0]}"]`);
        p.scrollIntoView({block: "center"});
        const r = p.getBoundingClientRect();
        for (let k = 0; k < 900; k++) {
          const x = r.left + ((k % 30) + 0.5) * r.width / 30, y = r.top + (Math.floor(k / 30) + 0.5) * r.height / 30;
          if (document.elementFromPoint(x, y) === p) return [x, y];
        }
        return null;""",
        code,
    )
    assert found is not None, f"no visible point of commune {code}"
    return float(found[0]), float(found[1])


def test_report_in_chromium(browser, sample_report, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    path, result, n_communes = sample_report
    open_page(browser, path)
    # one map element per commune of the sample
    assert (
        browser.execute_script("return document.querySelectorAll('#map path.c').length")
        == n_communes
        == 512
    )

    # hovering Grenoble shows its APL to 2 decimals (and its name, code and zone)
    x, y = point_inside(browser, GRENOBLE)
    action = ActionBuilder(browser)
    action.pointer_action.move_to_location(int(x), int(y))
    action.perform()
    tip = browser.find_element(By.ID, "tooltip")
    assert tip.is_displayed()
    apl_grenoble = result.loc[GRENOBLE, "apl"]
    zone = zoning.classify(result)["zone"][GRENOBLE]
    assert "Grenoble (38185)" in tip.text
    assert f"APL: {apl_grenoble:.2f} consultations/year/standardised inhabitant" in tip.text
    assert f"Zone: {zone}" in tip.text

    # keyboard: Tab from the layer menu reaches the first commune, whose tooltip opens on focus
    browser.execute_script("document.getElementById('layer').focus()")
    ActionChains(browser).send_keys(Keys.TAB).perform()
    focused = browser.switch_to.active_element
    assert focused.get_dom_attribute("class") == "c" and focused.tag_name == "path", (
        focused.tag_name,
        focused.get_dom_attribute("id"),
    )
    assert tip.is_displayed() and f"({focused.get_dom_attribute('data-code')})" in tip.text

    # the search box finds Grenoble: highlighted on the map, alone in the table, tooltip shown
    search = browser.find_element(By.ID, "search")
    search.clear()
    search.send_keys("grenoble")
    rows = browser.find_elements(By.CSS_SELECTOR, "#communes-table tbody tr")
    assert [r.find_element(By.TAG_NAME, "th").text for r in rows] == ["Grenoble"]
    assert "match" in browser.find_element(
        By.CSS_SELECTOR, f"path.c[data-code='{GRENOBLE}']"
    ).get_dom_attribute("class")
    assert browser.find_element(By.ID, "status").text == "1 commune found."
    assert f"{apl_grenoble:.2f}" in tip.text

    # sorting the table by APL puts the lowest first, then the highest
    search.clear()
    search.send_keys(Keys.ESCAPE)
    header = browser.find_element(By.CSS_SELECTOR, "#communes-table th[data-key='apl']")
    header.find_element(By.TAG_NAME, "button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    first = browser.find_elements(By.CSS_SELECTOR, "#communes-table tbody tr")
    assert len(first) == 100  # paged
    lowest = result["apl"].min()
    apl_col = [c.text for c in first[0].find_elements(By.TAG_NAME, "td")][1]
    assert apl_col == f"{lowest:.2f}"
    shown = [float(r.find_elements(By.TAG_NAME, "td")[1].text) for r in first[:20]]
    assert shown == sorted(shown)
    header.find_element(By.TAG_NAME, "button").click()
    top = (
        browser.find_element(By.CSS_SELECTOR, "#communes-table tbody tr")
        .find_elements(By.TAG_NAME, "td")[1]
        .text
    )
    assert top == f"{result['apl'].max():.2f}"

    # layers recolour the map: zone colours
    browser.execute_script(
        "const s = document.getElementById('layer'); s.value = 'zone'; s.dispatchEvent(new Event('change'));"
    )
    fill = browser.find_element(
        By.CSS_SELECTOR, f"path.c[data-code='{GRENOBLE}']"
    ).get_dom_attribute("fill")
    assert fill == report.ZONE_COLORS[zone]
    legend = browser.find_element(By.ID, "legend").text
    assert "Zone (communes)" in legend

    # CSV download: a data URI holding every commune
    href = browser.find_element(By.ID, "download").get_attribute("href")
    assert href.startswith("data:text/csv;charset=utf-8,")
    lines = urllib.parse.unquote(href.split(",", 1)[1]).lstrip("\ufeff").strip().split("\r\n")
    assert lines[0].startswith("commune,name,apl,population,zone") and len(lines) == 1 + 512
    assert any(line.startswith(f"{GRENOBLE},Grenoble,{round(apl_grenoble, 4)},") for line in lines)

    # no console error at any point; a screenshot of the page
    assert severe(browser) == []
    shot = tmp_path / "report.png"
    browser.execute_script("window.scrollTo(0, 0)")
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_report_loads_nothing_from_the_network(browser, sample_report):
    path, _, _ = sample_report
    browser.get_log("performance")  # drop earlier entries
    open_page(browser, path)
    requested = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested.append(message["params"]["request"]["url"])
    assert requested, "the performance log recorded no request at all (the page itself is one)"
    external = [u for u in requested if not u.startswith(("file:", "data:", "blob:", "about:"))]
    assert external == []
    # and the resources the page holds are all inline
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert [u for u in resources if u.startswith(("http:", "https:"))] == []
    assert severe(browser) == []


def test_french_report_in_chromium(browser, tmp_path):
    sample = apl.datasets.load_isere()
    result = apl.compute_apl(sample.demand, sample.supply, sample.travel_times)
    path = report.write_report(
        result, tmp_path / "fr.html", geometries=sample.geometries(), lang="fr"
    )
    open_page(browser, path)
    from selenium.webdriver.common.by import By

    assert browser.execute_script("return document.documentElement.lang") == "fr"
    search = browser.find_element(By.ID, "search")
    search.send_keys("38185")
    tip = browser.find_element(By.ID, "tooltip")
    assert f"APL\u00a0: {result.loc[GRENOBLE, 'apl']:.2f}".replace(".", ",") in tip.text.replace(
        " : ", "\u00a0: "
    )
    assert browser.find_element(By.ID, "status").text == "1 commune trouvée."
    assert severe(browser) == []
