"""The one door through which a control-area layer file reaches GDAL: a file opens only as the format its name says.

GDAL chooses its reader by a file's content, and some of its readers follow paths and URLs written inside a file:
a virtual layer (``<OGRVRTDataSource>``) uploaded as ``leak.geojson`` reads any file the server can read and
fetches URLs through ``/vsicurl/``. So every layer read (the Upload page, ``import-areas``, ``update``) goes
through `read_layer`, which takes bytes and a file name:

1. The format comes from the name's suffix alone (`SUFFIX_FORMATS`); any other suffix is refused.
2. The bytes are checked to be that format before GDAL sees them (`checked_content`): GeoJSON begins with ``{``;
   KML is XML whose root element is ``<kml>``, without a DTD or entities; a KMZ is a zip holding such a KML; a
   GeoPackage is an SQLite database with the GeoPackage application id and no views or virtual tables; a zipped
   Shapefile holds exactly one ``.shp`` (beginning with the Shapefile magic number) with its ``.shx`` and ``.dbf``.
   A virtual layer is named as such whatever its suffix. A KMZ is unzipped, and a Shapefile's parts re-zipped
   under fixed names, here: GDAL reads only what was checked. Unpacked sizes are bounded before unpacking.
3. GDAL is given the checked bytes in a private temporary folder under a name of ours (``layer.geojson``…),
   never a path, name or open option that came with the file, and the process's GDAL keeps only the drivers
   these formats need (`restrict_gdal` deregisters every other one, the
   virtual-layer, CSV and network drivers among them); ``/vsicurl/`` requests and directory listing on open are
   switched off (`GDAL_CONFIG`).
4. What GDAL returns is reprojected to WGS 84, and every coordinate must be finite and on the globe.

Errors are `LayerFileError`s, whose message and suggestion are written for the person who gave the file.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import io
import json
import logging
import os
import re
import sqlite3
import tempfile
import threading
import xml.etree.ElementTree as ElementTree
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePath
from typing import Any

import numpy as np
import pandas as pd
import shapely

from controlmap import limits

LOG = logging.getLogger(__name__)

GEOJSON, KML, KMZ, GPKG, SHAPEFILE_ZIP = "GeoJSON", "KML", "KMZ", "GeoPackage", "zipped Shapefile"
SUFFIX_FORMATS = {".geojson": GEOJSON, ".json": GEOJSON, ".kml": KML, ".kmz": KMZ, ".gpkg": GPKG,
                  ".zip": SHAPEFILE_ZIP}
# The GDAL drivers the formats above need; restrict_gdal deregisters every other one.
ALLOWED_DRIVERS = ("GeoJSON", "KML", "LIBKML", "GPKG", "ESRI Shapefile")
GDAL_CONFIG = {
    # Only a URL ending with this (which none does) may be fetched through /vsicurl/ and the cloud file systems.
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".controlmap-reads-no-url",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_TIMEOUT": "1",
    # No listing of the folder a file lies in (sibling files are never looked for).
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    # No .aux.xml files written beside what is read.
    "GDAL_PAM_ENABLED": "NO",
}
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
SHAPEFILE_MAGIC = b"\x00\x00\x27\x0a"
SQLITE_MAGIC = b"SQLite format 3\x00"
GPKG_APPLICATION_IDS = (b"GPKG", b"GP10", b"GP11")
VIRTUAL_LAYER_RE = re.compile(rb"<\s*OGRVRTDataSource", re.IGNORECASE)
DTD_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
WGS84 = ("EPSG:4326", "OGC:CRS84")
GEOJSON_TYPES = ("FeatureCollection", "Feature", "Polygon", "MultiPolygon", "GeometryCollection", "Point",
                 "MultiPoint", "LineString", "MultiLineString")
# A GeoJSON "crs" named by an authority code: EPSG:3857, urn:ogc:def:crs:EPSG::3857, urn:ogc:def:crs:OGC:1.3:CRS84.
CRS_NAME_RE = re.compile(r"(urn:ogc:def:crs:(EPSG|OGC):[0-9.]*:[A-Za-z0-9]+|EPSG:[0-9]+|OGC:CRS84|CRS84)",
                         re.IGNORECASE)


class LayerFileError(ValueError):
    """A file that cannot be read as the layer its name says; `message` and `suggestion` are for its giver."""

    def __init__(self, message: str, suggestion: str = "", code: str = "not_a_layer") -> None:
        super().__init__(message)
        self.message, self.suggestion, self.code = message, suggestion, code


def format_of(name: str) -> str | None:
    """The layer format a file's name says (its suffix), or None when it names none."""
    return SUFFIX_FORMATS.get(PurePath(name).suffix.lower())


KIND_PHRASES = {GEOJSON: "a GeoJSON file", KML: "a KML file", KMZ: "a KMZ file", GPKG: "a GeoPackage file",
                SHAPEFILE_ZIP: "a zipped Shapefile"}


def _refuse(kind: str, why: str) -> LayerFileError:
    return LayerFileError(f"the file is not {KIND_PHRASES[kind]}: {why}",
                          "give a GeoJSON, KML/KMZ or GeoPackage file of control areas (or, to import-areas, a "
                          "zipped Shapefile), named with its format's suffix")


# ---------------------------------------------------------------- checking the bytes


def checked_content(data: bytes, name: str, max_unpacked: int = limits.MAX_LAYER_UNPACKED_BYTES) -> tuple[str, bytes]:
    """(format, the bytes GDAL may read) for a file named `name`, or LayerFileError when the bytes are not that
    format. A KMZ gives a new zip of its KML documents only; a zipped Shapefile one of its parts only, named
    layer.*."""
    kind = format_of(name)
    if kind is None:
        suffixes = ", ".join(SUFFIX_FORMATS)
        raise LayerFileError(f"the file's name does not say a layer format ({suffixes})",
                             "name the file with its format's suffix, e.g. areas.geojson")
    if VIRTUAL_LAYER_RE.search(data[:65536]):
        raise _refuse(kind, "it is a GDAL virtual layer (<OGRVRTDataSource>), which reads other files; such "
                            "files are never opened")
    if kind == GEOJSON:
        return kind, _checked_geojson(data)
    if kind == KML:
        return kind, _checked_kml(data, KML)
    if kind == KMZ:
        return kind, _zipped(_checked_kmz(data, max_unpacked))
    if kind == GPKG:
        return kind, _checked_geopackage(data)
    return kind, _shapefile_zip(data, max_unpacked)


def _text_start(data: bytes) -> bytes:
    return data.removeprefix(b"\xef\xbb\xbf").lstrip()


def _checked_geojson(data: bytes) -> bytes:
    """JSON text of a GeoJSON object, whose coordinate system, if it declares one, is named by an EPSG or OGC code:
    GDAL fetches the URL of a "link" crs (an old GeoJSON form), so any other form is refused."""
    if not _text_start(data).startswith(b"{"):
        raise _refuse(GEOJSON, "it does not begin with '{' (a GeoJSON file is a JSON object)")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _refuse(GEOJSON, "it is not UTF-8 text") from None
    except RecursionError:
        raise _refuse(GEOJSON, "its JSON is nested too deeply") from None
    except ValueError as error:
        raise _refuse(GEOJSON, f"it is not valid JSON ({error})") from None
    kind = document.get("type") if isinstance(document, dict) else None
    if kind not in GEOJSON_TYPES:
        raise _refuse(GEOJSON, f"its 'type' is {_shown(str(kind))}, not a GeoJSON type such as FeatureCollection")
    if "crs" in document and not _named_crs(document["crs"]):
        raise _refuse(GEOJSON, "it declares its coordinate system otherwise than by an EPSG or OGC code (a link or "
                               "a URL is never followed)")
    return data


def _named_crs(crs: object) -> bool:
    if crs is None:
        return True
    if not isinstance(crs, dict) or not isinstance(crs.get("properties"), dict):
        return False
    if crs.get("type") == "EPSG":  # GeoJSON 2008's other form: {"type": "EPSG", "properties": {"code": 4326}}
        return isinstance(crs["properties"].get("code"), int)
    return crs.get("type") == "name" and bool(CRS_NAME_RE.fullmatch(str(crs["properties"].get("name", ""))))


def _checked_kml(data: bytes, kind: str) -> bytes:
    if DTD_RE.search(data):
        raise _refuse(kind, "it declares a document type or entities (<!DOCTYPE>, <!ENTITY>), which KML never needs")
    parser: ElementTree.XMLPullParser = ElementTree.XMLPullParser(events=("start",))
    root = None
    try:  # the whole document: GDAL is given only well-formed XML
        for offset in range(0, len(data), 65536):
            parser.feed(data[offset:offset + 65536])
            for event in parser.read_events():
                element = event[-1]
                if root is None:
                    root = str(getattr(element, "tag", "")).rsplit("}", 1)[-1]
                    if root != "kml":
                        raise _refuse(kind, f"its root element is <{root[:40]}>, not <kml>")
                clear = getattr(element, "clear", None)
                if clear is not None:
                    clear()  # keep memory flat on a large document
        parser.close()
    except ElementTree.ParseError as error:
        raise _refuse(kind, f"it is not well-formed XML ({error})") from None
    if root is None:
        raise _refuse(kind, "it holds no XML element")
    return data


def _zip_members(data: bytes, kind: str, max_unpacked: int) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The archive and its files (no folders), refused when it is no zip, holds unsafe names, or would unpack to
    more than `max_unpacked` bytes (counted from its directory before anything is unpacked)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise _refuse(kind, f"it is not a zip archive ({error})") from None
    unpacked = sum(info.file_size for info in members)
    if unpacked > max_unpacked:
        raise LayerFileError(f"the layer unpacks to {limits.megabytes(unpacked)} (the limit is "
                             f"{max_unpacked / (1024 * 1024):g} MB unpacked); it was not read",
                             "keep only the features near the region", code="unpacked_too_large")
    return archive, members


def _member_bytes(archive: zipfile.ZipFile, info: zipfile.ZipInfo, kind: str) -> bytes:
    """A member's bytes, never more than its directory says (a member that lies about its size is refused)."""
    try:
        with archive.open(info) as member:
            content = member.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as error:
        raise _refuse(kind, f"its member {_shown(info.filename)} cannot be unpacked ({error})") from None
    if len(content) != info.file_size:
        raise _refuse(kind, f"its member {_shown(info.filename)} is not the size the archive says")
    return content


def _checked_kmz(data: bytes, max_unpacked: int) -> dict[str, bytes]:
    """The KML documents of a KMZ by their (checked, relative) names: doc.kml, or its one .kml, and the documents
    its network links name inside the archive (a KMZ written by GDAL keeps each layer in layers/<name>.kml)."""
    archive, members = _zip_members(data, KMZ, max_unpacked)
    kml = [info for info in members if info.filename.lower().endswith(".kml")]
    if not any(info.filename.lower() == "doc.kml" for info in kml) and len(kml) != 1:
        found = "no .kml file" if not kml else f"{len(kml)} .kml files and no doc.kml"
        raise _refuse(KMZ, f"it holds {found}")
    documents = {}
    for info in kml:
        parts = PurePath(info.filename).parts
        if info.filename.startswith(("/", "\\")) or ".." in parts or ":" in info.filename or "\\" in info.filename:
            raise _refuse(KMZ, f"its member {_shown(info.filename)} has a path outside the archive")
        documents[info.filename] = _checked_kml(_member_bytes(archive, info, KMZ), KMZ)
    return documents


def _checked_geopackage(data: bytes) -> bytes:
    if not data.startswith(SQLITE_MAGIC) or len(data) < 100:
        raise _refuse(GPKG, "it is not an SQLite database")
    if data[68:72] not in GPKG_APPLICATION_IDS:
        raise _refuse(GPKG, "it is an SQLite database without the GeoPackage application id")
    connection = sqlite3.connect(":memory:")
    try:
        connection.deserialize(data)
        rows = connection.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    except sqlite3.Error as error:
        raise _refuse(GPKG, f"the database cannot be read ({error})") from None
    finally:
        connection.close()
    for kind, table, sql in rows:
        # A view runs SQL when read, and a virtual table may open other files; a control-area layer needs neither
        # (the spatial index's rtree tables are the one kind of virtual table a GeoPackage defines).
        virtual = "VIRTUAL TABLE" in (sql or "").upper() and not re.search(r"USING\s+rtree\s*\(", sql or "", re.I)
        if kind == "view" or virtual:
            raise _refuse(GPKG, f"it defines a {'view' if kind == 'view' else 'virtual table'} "
                                f"({_shown(str(table))}), which a layer never needs")
    return data


def _shapefile_zip(data: bytes, max_unpacked: int) -> bytes:
    archive, members = _zip_members(data, SHAPEFILE_ZIP, max_unpacked)
    wanted = [info for info in members if not info.filename.startswith("__MACOSX/")]
    shp = [info for info in wanted if info.filename.lower().endswith(".shp")]
    if len(shp) != 1:
        raise _refuse(SHAPEFILE_ZIP, "it holds no .shp file" if not shp else f"it holds {len(shp)} .shp files "
                                     "(zip one layer per file)")
    stem = shp[0].filename[:-4]
    parts = {info.filename[len(stem):].lower(): info for info in wanted
             if info.filename[:len(stem)] == stem and info.filename[len(stem):].lower() in SHAPEFILE_PARTS}
    missing = [suffix for suffix in (".shx", ".dbf") if suffix not in parts]
    if missing:
        raise _refuse(SHAPEFILE_ZIP, f"its .shp comes without its {' and '.join(missing)}")
    contents = {suffix: _member_bytes(archive, info, SHAPEFILE_ZIP) for suffix, info in parts.items()}
    if not contents[".shp"].startswith(SHAPEFILE_MAGIC):
        raise _refuse(SHAPEFILE_ZIP, "its .shp does not begin as a Shapefile does")
    return _zipped({f"layer{suffix}": content for suffix, content in contents.items()})


def _zipped(members: dict[str, bytes]) -> bytes:
    clean = io.BytesIO()
    with zipfile.ZipFile(clean, "w", zipfile.ZIP_STORED) as out:
        for name, content in sorted(members.items()):
            out.writestr(name, content)
    return clean.getvalue()


def _shown(text: str) -> str:
    return repr(text[:60])


# ---------------------------------------------------------------- GDAL, fenced


_gdal_lock = threading.Lock()
_gdal_library: Any = None


def _gdal_library_path() -> str | None:
    """The GDAL library pyogrio loaded: from the process's memory map, else beside the pyogrio package."""
    import pyogrio  # loads GDAL, so that its library is in the memory map

    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                path = line.split()[-1] if line.strip() else ""
                if re.search(r"/libgdal[^/]*\.(so|dylib)", path):
                    return path
    except OSError:
        pass
    package = os.path.dirname(os.path.dirname(pyogrio.__file__))
    found = sorted(glob.glob(os.path.join(package, "pyogrio.libs", "libgdal*")) +
                   glob.glob(os.path.join(package, "pyogrio", ".dylibs", "libgdal*")))
    return found[0] if found else None


def restrict_gdal() -> bool:
    """Deregisters every GDAL driver but ALLOWED_DRIVERS and applies GDAL_CONFIG, once per process (checked again
    on every call, which costs one call into GDAL). False when GDAL's library could not be found: the content
    checks then stand alone (logged)."""
    global _gdal_library
    import pyogrio

    with _gdal_lock:
        if _gdal_library is None:
            pyogrio.set_gdal_config_options(GDAL_CONFIG)
            path = _gdal_library_path()
            if path is None:
                LOG.warning("GDAL's library was not found: its drivers cannot be restricted")
                _gdal_library = False
                return False
            library = ctypes.CDLL(path)
            library.GDALGetDriverCount.restype = ctypes.c_int
            library.GDALGetDriver.restype = ctypes.c_void_p
            library.GDALGetDriver.argtypes = [ctypes.c_int]
            library.GDALGetDriverShortName.restype = ctypes.c_char_p
            library.GDALGetDriverShortName.argtypes = [ctypes.c_void_p]
            library.GDALDeregisterDriver.argtypes = [ctypes.c_void_p]
            _gdal_library = library
        if _gdal_library is False:
            return False
        library = _gdal_library
        if library.GDALGetDriverCount() > len(ALLOWED_DRIVERS):
            for index in reversed(range(library.GDALGetDriverCount())):
                driver = library.GDALGetDriver(index)
                if library.GDALGetDriverShortName(driver).decode() not in ALLOWED_DRIVERS:
                    library.GDALDeregisterDriver(driver)
        return True


def gdal_drivers() -> list[str]:
    """The vector drivers the process's GDAL has now (for tests and the security notes)."""
    import pyogrio

    return sorted(pyogrio.list_drivers())


# ---------------------------------------------------------------- reading


SUFFIX_OF = {GEOJSON: ".geojson", KML: ".kml", KMZ: ".kmz", GPKG: ".gpkg"}


@contextlib.contextmanager
def _checked_file(data: bytes, name: str, max_unpacked: int) -> Iterator[tuple[str, str]]:
    """(format, path): the checked content in a private folder, under a name of ours (GDAL never sees a name or
    path that came with the file); the folder is removed afterwards."""
    kind, content = checked_content(data, name, max_unpacked)
    restrict_gdal()
    with tempfile.TemporaryDirectory(prefix="controlmap-layer-") as folder:
        if kind == SHAPEFILE_ZIP:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                for member in archive.namelist():  # layer.shp, layer.shx, … (named so by _shapefile_zip)
                    (Path(folder) / member).write_bytes(archive.read(member))
            path = Path(folder) / "layer.shp"
        else:
            path = Path(folder) / f"layer{SUFFIX_OF[kind]}"
            path.write_bytes(content)
        yield kind, str(path)


def read_layer(data: bytes, name: str, bounds: tuple[float, float, float, float] | None = None,
               max_unpacked: int = limits.MAX_LAYER_UNPACKED_BYTES) -> pd.DataFrame:
    """A layer file's features (all its layers) as a GeoDataFrame in WGS 84; with `bounds` (a lon/lat box), only
    the features whose envelope meets it. Raises LayerFileError when the file is not its name's format, GDAL
    cannot read it, or a coordinate is not finite or off the globe."""
    import geopandas as gpd

    with _checked_file(data, name, max_unpacked) as (kind, path):
        try:
            layers = [None] if kind == GEOJSON else [n for n, _ in _pyogrio().list_layers(path)]
            frames = [frame for frame in (_read_one(path, layer, bounds) for layer in layers) if len(frame)]
        except LayerFileError:
            raise
        except Exception as error:  # GDAL raises many kinds of errors for a file that is no layer
            raise _refuse(kind, _reason(error, path)) from None
    if not frames:
        return gpd.GeoDataFrame({"geometry": gpd.GeoSeries([], crs="EPSG:4326")})
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    _check_coordinates(frame.geometry)
    return frame


def feature_count(data: bytes, name: str, max_unpacked: int = limits.MAX_LAYER_UNPACKED_BYTES) -> int:
    """Features in all layers of the file, counted before any geometry is read."""
    pyogrio = _pyogrio()
    with _checked_file(data, name, max_unpacked) as (kind, path):
        try:
            if kind == GEOJSON:
                return int(pyogrio.read_info(path, force_feature_count=True)["features"])
            return sum(int(pyogrio.read_info(path, layer=layer, force_feature_count=True)["features"])
                       for layer, _ in pyogrio.list_layers(path))
        except Exception as error:
            raise _refuse(kind, _reason(error, path)) from None


def _pyogrio() -> Any:
    import pyogrio

    return pyogrio


def _read_one(path: str, layer: str | None, bounds: tuple[float, float, float, float] | None) -> pd.DataFrame:
    pyogrio = _pyogrio()
    crs = pyogrio.read_info(path, layer=layer).get("crs")
    geographic = crs is None or crs in WGS84
    frame = pyogrio.read_dataframe(path, layer=layer, bbox=bounds if geographic else None)
    if frame.crs is not None and not geographic:
        _check_coordinates(frame.geometry, projected=True)
        _check_area_of_use(frame.geometry, frame.crs)
        frame = frame.to_crs("EPSG:4326")
        _check_coordinates(frame.geometry)
        if bounds is not None:
            frame = frame[frame.intersects(shapely.box(*bounds))]
    elif frame.crs is None:
        frame = frame.set_crs("EPSG:4326")
    return frame


def _check_coordinates(geometries: Any, projected: bool = False) -> None:
    coordinates = shapely.get_coordinates(np.asarray(geometries, dtype=object))
    if not len(coordinates):
        return
    if not np.isfinite(coordinates).all():
        raise LayerFileError("the layer has coordinates that are not finite numbers (NaN or infinite"
                             + (" after reprojection to longitude and latitude)" if not projected else ")"),
                             "export the layer again from its source", code="bad_coordinates")
    if projected:
        return
    lon, lat = coordinates[:, 0], coordinates[:, 1]
    if (np.abs(lon) > 180).any() or (np.abs(lat) > 90).any():
        west, south, east, north = lon.min(), lat.min(), lon.max(), lat.max()
        raise LayerFileError(f"the layer's coordinates are off the globe in longitude and latitude (lon {west:.3g}"
                             f"…{east:.3g}, lat {south:.3g}…{north:.3g}): its coordinate system is not what it "
                             "declares", "export it in longitude and latitude (WGS 84), or declare its real "
                             "coordinate system", code="bad_coordinates")


def _check_area_of_use(geometries: Any, crs: Any) -> None:
    """Projected coordinates must lie in the area the coordinate system covers (with a margin of a tenth): far
    beyond it, reprojection clamps or wraps them onto the globe, and a square of 1e300 metres becomes a line."""
    from pyproj import Transformer

    area = getattr(crs, "area_of_use", None)
    if area is None:
        return
    west, south, east, north = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform_bounds(*area.bounds)
    margin_x, margin_y = (east - west) / 10, (north - south) / 10
    coordinates = shapely.get_coordinates(np.asarray(geometries, dtype=object))
    x, y = coordinates[:, 0], coordinates[:, 1]
    if ((x < west - margin_x) | (x > east + margin_x) | (y < south - margin_y) | (y > north + margin_y)).any():
        name = crs.to_string() if hasattr(crs, "to_string") else str(crs)
        raise LayerFileError(f"the layer's coordinates (x {x.min():.3g}…{x.max():.3g}, y {y.min():.3g}…{y.max():.3g})"
                             f" lie outside the area its coordinate system, {name}, covers: it is not in the system "
                             "it declares", "export it in longitude and latitude (WGS 84), or declare its real "
                             "coordinate system", code="bad_coordinates")


def _reason(error: BaseException, path: str) -> str:
    """GDAL's reason in one short clause, without the path of the private copy it read."""
    reason = " ".join(str(error).split()).replace(path, "the file").replace(PurePath(path).name, "the file")
    reason = re.sub(r"/tmp/controlmap-layer-[^\s'/]*/?", "", reason)
    return reason.split("; ")[0].rstrip(".")[:160] or type(error).__name__
