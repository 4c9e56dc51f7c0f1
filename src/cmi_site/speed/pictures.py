"""The fast engine's pictures: each published once (pictures.publish: decoded once, planned and its
copies encoded), then kept in the build cache, keyed by the hash of its bytes, its path and the code.
An unchanged picture is not decoded or encoded again; its copies come from the cache."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ..load import file_digest
from ..models import Output, Picture, StaticFile
from ..pictures import Unusable, picture_files, publish
from .cache import BuildCache, code_version
from .fingerprint import digest


@dataclass(frozen=True)
class Published:
    """What the cache keeps of a picture: its plan and copies, or why it cannot be published."""

    picture: Picture | str  # str: Unusable's message
    files: tuple[Output, ...]

    def sound(self) -> bool:
        """Whether an entry read from the cache has the shape this code makes (else it is a miss)."""
        return (isinstance(self.picture, Picture | str) and type(self.files) is tuple
                and all(type(f) is Output and type(f.data) is bytes for f in self.files))  # fmt: skip


class PictureStore:
    """pictures.plan and the copies of every picture of one build, through the build cache."""

    def __init__(self, cache: BuildCache) -> None:
        self.cache = cache
        self._version = code_version()
        self._keys: dict[str, str] = {}  # images/x.jpg -> its key, for the picture as this build planned it

    def plan(self, image: StaticFile) -> Picture:
        """pictures.plan(image), from the cache when it has it (and kept there, with the copies, when not)."""
        key = digest(self._version, image.output_path, file_digest(image.data))
        self._keys[image.output_path] = key
        found = self._entry(key)
        if found is None:
            try:
                picture, files = publish(image)
                found = Published(picture, tuple(files))
            except Unusable as err:
                found = Published(str(err), ())
            self.cache.add_picture(key, found)
        if isinstance(found.picture, str):
            raise Unusable(found.picture)
        return found.picture

    def drop_unused(self) -> None:
        """Drop the cache's entries of pictures this build did not plan (changed or gone)."""
        self.cache.drop_pictures_except(self._keys.values())

    def files(self, images: list[StaticFile], pictures: Mapping[str, Picture]) -> Iterator[Output]:
        """outputs.static.image_files(images, pictures): the copies from the cache, one picture at a time."""
        for image in images:
            picture = pictures.get(image.output_path)
            if picture is None:
                continue
            key = self._keys.get(image.output_path)
            found = self._entry(key) if key is not None else None
            yield from found.files if found is not None and found.picture == picture else picture_files(image, picture)

    def _entry(self, key: str) -> Published | None:
        found = self.cache.picture(key, Published)
        return found if found is not None and found.sound() else None
