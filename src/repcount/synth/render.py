"""Offscreen rendering with pyrender over EGL (CPU Mesa works).

pyrender, trimesh and OpenGL are imported inside the functions so ``import repcount.synth`` stays
cheap and machines without them can still use the kinematics.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from repcount.errors import RepcountError
from repcount.synth.exercises import Prop


class RenderError(RepcountError):
    """The offscreen renderer (pyrender + EGL) is unavailable or failed."""


@dataclass(frozen=True)
class Camera:
    """A pinhole camera looking at ``target`` from ``eye`` with z up.

    Attributes:
        eye: camera position (m).
        target: point looked at (m).
        yfov_deg: vertical field of view.
        width / height: image size in pixels.

    """

    eye: np.ndarray
    target: np.ndarray
    yfov_deg: float
    width: int
    height: int

    def pose(self) -> np.ndarray:
        """4x4 camera-to-world matrix in OpenGL convention (looks down -z, y up)."""
        fwd = self.target - self.eye
        fwd = fwd / np.linalg.norm(fwd)
        right = np.cross(fwd, np.array([0.0, 0.0, 1.0]))
        right = right / np.linalg.norm(right)
        up = np.cross(right, fwd)
        m = np.eye(4)
        m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = right, up, -fwd, self.eye
        return m

    def intrinsics(self) -> np.ndarray:
        """3x3 pixel intrinsics matrix (square pixels, principal point at the centre)."""
        f = 0.5 * self.height / math.tan(math.radians(self.yfov_deg) / 2.0)
        return np.array([[f, 0.0, self.width / 2.0], [0.0, f, self.height / 2.0], [0, 0, 1.0]])

    def project(self, pts: np.ndarray) -> np.ndarray:
        """Project world points (..., 3) to pixel coordinates (..., 2), origin top-left."""
        m = np.linalg.inv(self.pose())
        pc = pts @ m[:3, :3].T + m[:3, 3]
        k = self.intrinsics()
        depth = -pc[..., 2]
        u = k[0, 2] + k[0, 0] * pc[..., 0] / depth
        v = k[1, 2] - k[1, 1] * pc[..., 1] / depth
        return np.stack([u, v], axis=-1)


def fit_camera(
    points: np.ndarray,
    direction: np.ndarray,
    elevation_deg: float,
    width: int,
    height: int,
    yfov_deg: float = 45.0,
    margin: float = 0.82,
) -> Camera:
    """Place a camera along ``direction`` (rotated up by ``elevation_deg``) framing ``points``.

    Args:
        points: (N, 3) points that must stay in view (all frames of a clip).
        direction: horizontal unit vector from the subject towards the camera.
        elevation_deg: camera elevation above the horizontal.
        width: image width in pixels.
        height: image height in pixels.
        yfov_deg: vertical field of view.
        margin: fraction of the half-frame the points may fill.

    """
    lo, hi = points.min(axis=0), points.max(axis=0)
    target = (lo + hi) / 2.0
    el = math.radians(elevation_deg)
    d = np.asarray(direction, dtype=np.float64)
    d = d / np.linalg.norm(d)
    view = np.array([d[0] * math.cos(el), d[1] * math.cos(el), math.sin(el)])
    cam = Camera(target + view, target, yfov_deg, width, height)
    m = np.linalg.inv(cam.pose())
    pc = (points - target) @ m[:3, :3].T  # camera-frame offsets at unit distance
    tan_y = math.tan(math.radians(yfov_deg) / 2.0) * margin
    tan_x = tan_y * width / height
    # Distance so that |x| / (dist - z) <= tan for every point (z is towards the camera).
    need = np.maximum(np.abs(pc[:, 0]) / tan_x, np.abs(pc[:, 1]) / tan_y) + pc[:, 2]
    dist = float(max(need.max(), 1.0))
    return Camera(target + dist * view, target, yfov_deg, width, height)


def vertex_normals(verts: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted smooth vertex normals."""
    fn = np.cross(verts[faces[:, 1]] - verts[faces[:, 0]], verts[faces[:, 2]] - verts[faces[:, 0]])
    out = np.zeros_like(verts)
    for c in range(3):
        for k in range(3):
            out[:, c] += np.bincount(faces[:, k], weights=fn[:, c], minlength=len(verts))
    norm = np.linalg.norm(out, axis=1, keepdims=True)
    return cast(np.ndarray, out / np.maximum(norm, 1e-12))


@dataclass(frozen=True)
class Look:
    """Colours and lighting of a clip.

    Attributes:
        vertex_colors: (V, 3) body colours in [0, 1].
        floor / mat / background: RGB in [0, 1].
        light_azimuth_deg: key light direction offset from the camera.
        light_intensity: key light intensity.
        mat: True to lay an exercise mat under the body.
        extras: scenery boxes (walls, furniture) as (centre, size, colour, yaw in degrees).
        ambient: ambient light level.

    """

    vertex_colors: np.ndarray
    floor: tuple[float, float, float]
    background: tuple[float, float, float]
    mat_color: tuple[float, float, float]
    light_azimuth_deg: float
    light_intensity: float
    mat: bool
    extras: tuple[tuple[tuple[float, float, float], tuple[float, float, float],
                        tuple[float, float, float], float], ...] = ()
    ambient: float = 0.28


def _import_pyrender() -> Any:
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    try:
        import pyrender
    except ImportError as exc:
        raise RenderError(
            "repcount synth needs pyrender: pip install 'repcount[synth]' (pyrender, trimesh)"
        ) from exc
    return pyrender


class Renderer:
    """Renders one clip: a fixed scene and camera, a new body mesh per frame."""

    def __init__(
        self,
        camera: Camera,
        look: Look,
        faces: np.ndarray,
        mat_xy: tuple[float, float, float, float],
    ) -> None:
        """Build the static scene.

        Args:
            camera: the clip's camera.
            look: colours and lights.
            faces: body triangles.
            mat_xy: (cx, cy, sx, sy) of the exercise mat on the floor.

        """
        self.pr = _import_pyrender()
        pr = self.pr
        self.camera = camera
        self.look = look
        self.faces = faces.astype(np.uint32)
        self.scene = pr.Scene(bg_color=[*look.background, 1.0], ambient_light=[look.ambient] * 3)
        cam = pr.PerspectiveCamera(
            yfov=math.radians(camera.yfov_deg), aspectRatio=camera.width / camera.height
        )
        cam_pose = camera.pose()
        self.scene.add(cam, pose=cam_pose)
        # Key light from beside the camera, fill light from above.
        key = _rotate_about_z(cam_pose, math.radians(look.light_azimuth_deg))
        self.scene.add(pr.DirectionalLight(intensity=look.light_intensity), pose=key)
        top = np.eye(4)
        self.scene.add(pr.DirectionalLight(intensity=1.2), pose=top)
        self._add_box((0.0, 0.0, -0.01), (12.0, 12.0, 0.02), look.floor)
        if look.mat:
            cx, cy, sx, sy = mat_xy
            self._add_box((cx, cy, 0.002), (sx, sy, 0.004), look.mat_color)
        for center, size, color, yaw in look.extras:
            self._add_box(center, size, color, yaw)
        self.prop_nodes: list[Any] = []
        self.body_node: Any = None
        try:
            self.renderer = pr.OffscreenRenderer(camera.width, camera.height)
        except Exception as exc:  # pyrender raises assorted EGL/GL errors
            raise RenderError(f"cannot start the offscreen renderer (EGL): {exc}") from exc

    def _material(self, color: tuple[float, float, float]) -> Any:
        return self.pr.MetallicRoughnessMaterial(
            baseColorFactor=[*color, 1.0], metallicFactor=0.0, roughnessFactor=0.85
        )

    def _add_box(self, center: tuple[float, ...], size: tuple[float, ...], color: tuple[float, float, float],
                 yaw_deg: float = 0.0) -> Any:
        import trimesh

        m = trimesh.creation.box(extents=size)
        if yaw_deg:
            m.apply_transform(_rotate_about_z(np.eye(4), math.radians(yaw_deg)))
        m.apply_translation(center)
        mesh = self.pr.Mesh.from_trimesh(m, material=self._material(color), smooth=False)
        return self.scene.add(mesh)

    def _add_prop(self, prop: Prop) -> Any:
        import trimesh

        if prop.kind == "sphere":
            m = trimesh.creation.icosphere(subdivisions=3, radius=prop.size[0])
            m.apply_translation(prop.center)
            mesh = self.pr.Mesh.from_trimesh(m, material=self._material(prop.color), smooth=True)
            return self.scene.add(mesh)
        return self._add_box(prop.center, prop.size, prop.color)

    def render(self, verts: np.ndarray, props: list[Prop]) -> np.ndarray:
        """Render the body ``verts`` with ``props``; returns an (H, W, 3) uint8 RGB image."""
        pr = self.pr
        if self.body_node is not None:
            self.scene.remove_node(self.body_node)
        for node in self.prop_nodes:
            self.scene.remove_node(node)
        prim = pr.Primitive(
            positions=verts.astype(np.float32),
            normals=vertex_normals(verts, self.faces).astype(np.float32),
            color_0=self.look.vertex_colors.astype(np.float32),
            indices=self.faces,
            material=self._material((1.0, 1.0, 1.0)),
        )
        self.body_node = self.scene.add(pr.Mesh([prim]))
        self.prop_nodes = [self._add_prop(p) for p in props]
        try:
            color, _ = self.renderer.render(self.scene)
        except Exception as exc:
            raise RenderError(f"offscreen rendering failed: {exc}") from exc
        return np.asarray(color[..., :3], dtype=np.uint8)

    def close(self) -> None:
        """Release the GL context."""
        self.renderer.delete()


def _rotate_about_z(pose: np.ndarray, angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    r = np.eye(4)
    r[:2, :2] = [[c, -s], [s, c]]
    return cast(np.ndarray, r @ pose)
