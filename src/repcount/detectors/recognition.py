"""``--exercise auto``: recognise the exercise from posture and from which joints move.

First the posture the person spends most time in (standing, on the back, face down, on the
side), then a few geometric facts of the whole recording (feet level or not, one leg pointing
up, knees straight or bent at rest, which angle has the largest range of motion). Rules over those
facts pick one exercise or none: a movement that fits no definition (e.g. donkey kicks on all
fours) is reported as not recognised rather than forced into the nearest exercise.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.ndimage import median_filter

from repcount.records import LM, Hold, Pose, PoseSample, Rep
from repcount.signals.features import (
    Posture,
    cue_higher_ankle,
    facing_up_score,
    joint_opening,
    leg_elevation,
    pelvis_lift,
    posture_of,
    side_lying_score,
    stance_of,
    thigh_opening,
    torso_length_px,
    torso_tilt_deg,
    trunk_angle,
    world_leg_length,
)


def _rom(x: np.ndarray) -> float:
    """Robust range of motion: 95th minus 5th percentile (0 for too few samples)."""
    x = x[np.isfinite(x)]
    return float(np.percentile(x, 95) - np.percentile(x, 5)) if len(x) >= 5 else 0.0


def _med(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.median(x)) if len(x) else float("nan")


@dataclass(frozen=True)
class ClipFacts:
    """What the recogniser looks at, measured over the frames in the main posture.

    ``shares`` is the fraction of posed frames in each posture (``unknown`` included), and
    ``lying`` holds medians over the lying frames of the scores the posture is judged on.
    """

    posture: Posture
    posture_share: float
    frames: int
    rom: dict[str, float] = field(default_factory=dict)
    median: dict[str, float] = field(default_factory=dict)
    shares: dict[str, float] = field(default_factory=dict)
    lying: dict[str, float] = field(default_factory=dict)


#: Poses the facts are measured on at most: a longer recording is sampled evenly (the facts are
#: medians and percentiles), so an hour of video is not held in memory as pose records. No
#: labelled clip is this long (the longest is about 4,000 frames).
MAX_FACT_POSES = 6000


def clip_facts(samples: Sequence[PoseSample]) -> ClipFacts | None:
    """Measure the facts of a recording (None when nobody was found)."""
    step = -(-len(samples) // MAX_FACT_POSES)
    picked = samples if step <= 1 else (samples[i] for i in range(0, len(samples), step))
    poses = [s.pose for s in picked if s.pose is not None]
    if not poses:
        return None
    postures = [posture_of(p) for p in poses]
    every = Counter(postures)
    shares: dict[str, float] = {k: every.get(k, 0) / len(poses) for k in POSTURES}
    lying_poses = [p for p, q in zip(poses, postures) if q in ("supine", "prone", "side")]
    lying = {"side_score": _med(np.array([side_lying_score(p) for p in lying_poses])),
             "facing_up": _med(np.array([facing_up_score(p) for p in lying_poses]))}
    counts = Counter(p for p in postures if p != "unknown")
    if not counts:
        return ClipFacts("unknown", 0.0, len(poses), shares=shares, lying=lying)
    main, n = counts.most_common(1)[0]
    sel: list[Pose] = [p for p, q in zip(poses, postures) if q == main]
    # A sit-up spends the top of each rep upright: judge it on every frame from the moment the
    # person first reaches the main posture to the last (so lying down before and getting up
    # after, which raise the trunk once, are left out).
    first = postures.index(main)
    last = len(postures) - 1 - postures[::-1].index(main)
    everything = poses[first:last + 1]

    def arr(fn: object, ps: list[Pose]) -> np.ndarray:
        return np.array([fn(p) for p in ps], dtype=np.float64)  # type: ignore[operator]

    rom: dict[str, float] = {}
    med: dict[str, float] = {}
    for side in ("left", "right"):
        for kind in ("hip", "knee", "elbow"):
            v = arr(lambda p, k=kind, s=side: joint_opening(p, k, s), sel)
            rom[f"{kind}_{side}"] = _rom(v)
            med[f"{kind}_{side}"] = _med(v)
        e = arr(lambda p, s=side: leg_elevation(p, s), sel)
        rom[f"elev_{side}"] = _rom(e)
        med[f"elev_{side}"] = _med(e)
    # The straighter knee of each frame: it bends only when both knees bend together (a squat),
    # not when one leg works (a dip) nor when the legs take turns (a dip set on each leg).
    rom["knee_together"] = _rom(arr(lambda p: max(joint_opening(p, "knee", "left"),
                                                  joint_opening(p, "knee", "right")), sel))
    rom["thighs"] = _rom(arr(thigh_opening, sel))
    rom["trunk_all"] = _rom(arr(trunk_angle, everything))
    rom["tilt_all"] = _rom(arr(torso_tilt_deg, everything))
    med["ankle_dy"] = _med(arr(lambda p: abs(cue_higher_ankle(p)), sel))

    def split(p: Pose) -> float:
        px = p.pixels()
        return float(abs(px[LM.LEFT_ANKLE][0] - px[LM.RIGHT_ANKLE][0]) / torso_length_px(p))

    med["ankle_dx"] = _med(arr(split, sel))
    med["ankle_dy_signed"] = _med(arr(cue_higher_ankle, sel))
    med["front_back_split"] = _med(arr(front_back_split, sel))
    med.update(travel_facts(sel))
    rom["trunk_rises"] = float(trunk_rises(everything))
    return ClipFacts(main, n / len(poses), len(poses), rom, med, shares, lying)


def _heights(poses: Sequence[Pose], a: int, b: int) -> np.ndarray:
    """Picture height (y, down) of the midpoint of landmarks ``a`` and ``b``, in torso lengths."""
    scale = float(np.median([torso_length_px(p) for p in poses]))
    return np.array([(p.pixels()[a][1] + p.pixels()[b][1]) / 2.0 for p in poses]) / scale


def travel_facts(sel: Sequence[Pose]) -> dict[str, float]:
    """How far the hips and shoulders travel up and down, and whether a foot goes with the hips.

    Measured in torso lengths over the frames of the main posture:

    * ``hip_rise``, ``shoulder_rise``: robust range of the hips' and shoulders' height. A bridge
      lifts the hips off the floor and a push-up the chest; a dead bug or a prone leg lift keeps
      them down.
    * ``foot_follows_hips``: the larger of the two ankles' regression slopes on the hips' height.
      The free foot of a single-leg dip hangs from the pelvis and rises and falls with it (about
      1); the planted feet of a squat or lunge stay on the floor while the hips drop (about 0).
    """
    if len(sel) < 5:
        return {"hip_rise": 0.0, "shoulder_rise": 0.0, "foot_follows_hips": 0.0}
    hip = _heights(sel, LM.LEFT_HIP, LM.RIGHT_HIP)
    slopes = [0.0]
    var = float(np.var(hip))
    if var > 0:
        for ankle in (LM.LEFT_ANKLE, LM.RIGHT_ANKLE):
            y = _heights(sel, ankle, ankle)
            slopes.append(float(np.mean((y - y.mean()) * (hip - hip.mean())) / var))
    return {"hip_rise": _rom(hip), "shoulder_rise": _rom(_heights(sel, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)),
            "foot_follows_hips": max(slopes)}


#: A sit-up lifts the trunk at least this far (degrees) from lying on every rep.
TRUNK_RISE_DEG = 30.0


def trunk_rises(poses: Sequence[Pose]) -> int:
    """How many times the trunk rises by :data:`TRUNK_RISE_DEG` from lying and comes back.

    Sit-ups do it on every rep; lying down, getting up or a flicker of MediaPipe's depth do it
    once or twice.
    """
    if len(poses) < 10:
        return 0
    from scipy.signal import find_peaks

    from repcount.signals.filters import running_median

    tilt = running_median(np.array([torso_tilt_deg(p) for p in poses]), 7)
    rate = (len(poses) - 1) / max(poses[-1].t - poses[0].t, 1e-6)
    peaks, _ = find_peaks(tilt, prominence=TRUNK_RISE_DEG, distance=max(1, int(0.8 * rate)))
    return len(peaks)


#: Every posture :func:`posture_of` returns, in the order of the feature vector.
POSTURES: tuple[Posture, ...] = ("standing", "supine", "prone", "side", "unknown")


def fact_vector(f: ClipFacts) -> dict[str, float]:
    """The facts as named numbers, the same whichever leg works (for a fitted model).

    Per-side facts become the smaller and the larger of the two sides, because the label says
    nothing about which leg a clip works. A fact that could not be measured is 0 (with the
    posture shares saying how much there was to measure).
    """
    v: dict[str, float] = {f"share_{k}": f.shares.get(k, 0.0) for k in POSTURES}
    v.update({f"main_{k}": float(f.posture == k) for k in POSTURES[:4]})
    v["side_score"] = f.lying.get("side_score", float("nan"))
    v["facing_up"] = f.lying.get("facing_up", float("nan"))
    for key in ("hip", "knee", "elbow", "elev"):
        for what, d in (("rom", f.rom), ("med", f.median)):
            a, b = d.get(f"{key}_left", float("nan")), d.get(f"{key}_right", float("nan"))
            v[f"{key}_{what}_lo"], v[f"{key}_{what}_hi"] = float(np.fmin(a, b)), float(np.fmax(a, b))
    v["knee_rom_ratio"] = v["knee_rom_lo"] / max(v["knee_rom_hi"], 1.0)
    v["knee_together_ratio"] = f.rom.get("knee_together", 0.0) / max(v["knee_rom_hi"], 1.0)
    for key in ("thighs", "trunk_all", "tilt_all"):
        v[key] = f.rom.get(key, float("nan"))
    for key in ("ankle_dy", "ankle_dx", "front_back_split"):
        v[key] = f.median.get(key, float("nan"))
    return {k: (x if np.isfinite(x) else 0.0) for k, x in v.items()}


def front_back_split(p: Pose) -> float:
    """Distance between the ankles along the walking direction, over leg length (3D).

    The ankle offset is taken in the world landmarks, with its component along the pelvis axis
    and its vertical component removed: large in a split stance whatever the camera angle, small
    in a squat even seen from the front with the feet apart.
    """
    w = p.world
    lat = w[LM.LEFT_HIP] - w[LM.RIGHT_HIP]
    n = np.linalg.norm(lat)
    if n == 0:
        return float("nan")
    lat = lat / n
    d = w[LM.LEFT_ANKLE] - w[LM.RIGHT_ANKLE]
    d = d - np.dot(d, lat) * lat
    d[1] = 0.0
    return float(np.linalg.norm(d) / max(world_leg_length(w), 1e-6))


def _both(f: ClipFacts, key: str) -> tuple[float, float]:
    return f.rom[f"{key}_left"], f.rom[f"{key}_right"]


#: A bridge kept up this long is a hold, not a rep's pause at the top.
HOLD_SET_S = 5.0


#: Holds and reps of a stretch already found by streaming detectors (see :class:`LiveRecogniser`).
Known = tuple[Sequence[Hold], Sequence[Rep]]


def hold_sets(samples: Sequence[PoseSample], known: Known | None = None) -> list[Hold]:
    """The holds in which the hips stayed up for at least :data:`HOLD_SET_S` without a rep.

    The hold detector's sag test is scaled by the level's jitter, which a steady rhythm of reps
    inflates, so it can time a whole set of reps as one hold. A rep the bridge detector counts on
    the held leg within the hold, at least as deep as the hold's own minimum rise, took the hips
    back down to rest: the hold is what is left between such reps, and is kept (cut to its
    longest part) when that part is still :data:`HOLD_SET_S` long. (The rise into a real hold and
    the lowering out of it make one "rep" around the whole hold, which does not cut it.)

    Before the hold detector has seen the hips rest, it takes a hip angle past its absolute floor
    as held, which lying flat with the legs straight also reads. So when the pelvis lift clearly
    rises and falls over the stretch (:func:`_lift_track`), a hold whose median lift is within
    :data:`FLAT_LIFT` of the stretch's resting lift (its 10th percentile) is the person lying
    flat, not a hold set. (Two holds on different legs can lift the pelvis by different amounts
    in the picture, so a hold is not judged against the stretch's highest lift.)

    Args:
        samples: the stretch.
        known: its holds and single-leg bridge reps when streaming detectors already found them
            (live); otherwise both detectors are run over ``samples``.

    """
    from repcount.detectors import EXERCISES, analyze_samples

    hold_def = EXERCISES["single_leg_bridge_hold"]
    found = known[0] if known is not None else analyze_samples(hold_def, samples).holds
    holds = [h for h in found if h.duration_s >= HOLD_SET_S]
    if not holds:
        return []
    rise = hold_def.hold.min_rise if hold_def.hold is not None else 0.0
    bridge_reps = (known[1] if known is not None
                   else analyze_samples(EXERCISES["single_leg_bridge"], samples).reps)
    reps = [r for r in bridge_reps if r.rom_deg >= rise]
    lift = _lift_track(samples)
    out = []
    for h in holds:
        cuts = sorted((r.start_s, r.end_s) for r in reps
                      if r.side == h.side and h.start_s <= r.start_s and r.end_s <= h.end_s)
        best, at = (h.start_s, h.start_s), h.start_s
        for a, b in [*cuts, (h.end_s, h.end_s)]:
            if a - at > best[1] - best[0]:
                best = (at, a)
            at = max(at, b)
        if best[1] - best[0] >= HOLD_SET_S and (lift is None or _hold_lift(lift, *best) >= FLAT_LIFT):
            out.append(h if best == (h.start_s, h.end_s) else
                       replace(h, start_s=best[0], end_s=best[1]))
    return out


def _hold_lift(track: tuple[np.ndarray, np.ndarray, float, float], start_s: float, end_s: float) -> float:
    """Median pelvis lift from ``start_s`` to ``end_s`` above the resting lift (inf without poses)."""
    times, lift, lo, _ = track
    inside = (times >= start_s) & (times <= end_s)
    return float(np.median(lift[inside])) - lo if inside.any() else float("inf")


def resting_holds(samples: Sequence[PoseSample], holds: Sequence[Hold]) -> list[Hold]:
    """The ``holds`` of a stretch in which the pelvis stayed at its resting lift: no holds.

    Empty unless the lift clearly rises and falls over ``samples`` (:func:`_lift_track`); a hold
    whose median lift is within :data:`FLAT_LIFT` of the resting lift is lying flat or turning
    over (see :func:`hold_sets`).
    """
    track = _lift_track(samples)
    if track is None:
        return []
    return [h for h in holds if _hold_lift(track, h.start_s, h.end_s) < FLAT_LIFT]


#: Spread of the pelvis lift (body scales, 10th to 90th percentile over the lying poses) from
#: which it shows the hips rising and falling. Lying still (prone leg lifts, clamshells on one
#: side) spread it by at most 0.047 on the tuning half, bridge and hold sets by at least 0.070.
MIN_LIFT = 0.06
#: A "hold" whose median pelvis lift is less than this (body scales) above the resting lift is
#: lying flat: half the least spread of a bridge or hold set (:data:`MIN_LIFT`), within what
#: lying still spreads it.
FLAT_LIFT = MIN_LIFT / 2
#: A gap in the lying poses longer than this (s) ends a run of lifted poses.
LIFT_GAP_S = 1.0


def _lift_track(samples: Sequence[PoseSample]) -> tuple[np.ndarray, np.ndarray, float, float] | None:
    """Times and smoothed pelvis lift of the lying poses, and the lift's 10th and 90th percentiles.

    The lift (:func:`~repcount.signals.features.pelvis_lift`) is smoothed by a one-second running
    median. None when it does not clearly rise and fall (:data:`MIN_LIFT`).
    """
    t, v = [], []
    for s in samples:
        if s.pose is not None and stance_of(s.pose) == "lying":
            t.append(s.t)
            v.append(pelvis_lift(s.pose))
    if len(v) < 3:
        return None
    times = np.asarray(t)
    dt = float(np.median(np.diff(times)))
    lift = median_filter(np.asarray(v), size=max(3, round(1.0 / max(dt, 1e-3)) | 1), mode="nearest")
    lo, hi = np.percentile(lift, [10, 90])
    if hi - lo < MIN_LIFT:
        return None
    return times, lift, float(lo), float(hi)


def lifted_run(samples: Sequence[PoseSample]) -> float | None:
    """The longest time (s) the pelvis stayed up while lying, or None when it did not clearly rise.

    The pelvis is up above halfway between the lift's 10th and 90th percentiles
    (:func:`_lift_track`). It needs no joint angle and no left or right label, so it holds in the
    oblique views where MediaPipe swaps the legs and the hip angle's sign flips, which break a
    hold in the hold detector.
    """
    track = _lift_track(samples)
    if track is None:
        return None
    times, lift, lo, hi = track
    best, start, prev = 0.0, None, None
    for ti, up in zip(times, lift >= (lo + hi) / 2):
        if start is not None and (not up or ti - prev > LIFT_GAP_S):
            start = None
        if up and start is None:
            start = ti
        if start is not None:
            best = max(best, ti - start)
        prev = ti
    return best


def bridge_or_hold(samples: Sequence[PoseSample], known: Known | None = None) -> tuple[str, str]:
    """Single-leg bridge reps or a hold: the pelvis kept up for :data:`HOLD_SET_S` makes it a hold.

    How long it stayed up is :func:`lifted_run`; when the pelvis did not clearly rise and fall
    (a stretch that is all hold, or barely moving), the hold detector's hold sets
    (:func:`hold_sets`) decide.
    """
    run = lifted_run(samples)
    longest = (run if run is not None
               else max((h.duration_s for h in hold_sets(samples, known)), default=0.0))
    # Reps pause at the top for a second or two; a hold stays up far longer.
    if longest >= HOLD_SET_S:
        return "single_leg_bridge_hold", f"on the back, one leg up, hips held for {longest:.0f} s"
    return "single_leg_bridge", "on the back, one leg up, the hips rise and drop"


#: Knee range (degrees) below which a standing person is not squatting, lunging or dipping: every
#: one of them bends the knee by far more (the shallowest labelled dip set: 25 degrees).
MIN_KNEE_BEND_DEG = 15.0
#: A foot that follows the hips at least this much (regression slope, 1 = hanging from the
#: pelvis) is not planted: a single-leg dip's free foot. Planted feet measured at most 0.06 on the
#: real squats and 0.22 on the split squat (rear foot on a bench, its heel lifting), dips at
#: least 0.57 on the tuning half; the threshold sits between the two.
FOOT_FOLLOWS = 0.35
#: A push-up lifts the chest by a third of a torso length or more (0.33 for a simulated one at
#: 86 degrees of elbow range, 0.56-0.92 on the real clips); a prone leg lift keeps it on the
#: floor and a superman lifts it a quarter at most (0.24). Elbows are often hidden, so they are
#: not asked.
SHOULDER_RISE = 0.3
#: A bridge lifts the hips off the floor by a third of a torso length or more; a dead bug or a
#: leg raise keeps them down (torso lengths; the lowest labelled bridge set: 0.15).
HIP_RISE = 0.12
#: Trunk rises that make a set of sit-ups rather than lying down and getting up.
MIN_SITUPS = 3


def recognise_by_rules(samples: Sequence[PoseSample], f: ClipFacts | None,
                       bridge: Callable[[], tuple[str, str]] | None = None) -> tuple[str | None, str]:
    """The hand-written rules' answer for a recording whose facts are ``f``.

    ``bridge`` gives :func:`bridge_or_hold`'s answer when the rules need it (default: run it).
    """
    if f is None:
        return None, "nobody was found"
    knee_med = min(f.median["knee_left"], f.median["knee_right"])
    knee_max_med = max(f.median["knee_left"], f.median["knee_right"])
    knee_rom = max(_both(f, "knee"))
    hip_rom = max(_both(f, "hip"))
    elev_rom = max(_both(f, "elev"))
    if (f.posture == "supine" and f.rom["trunk_all"] > 45 and f.rom["tilt_all"] > 40
            and f.rom["trunk_rises"] >= MIN_SITUPS):
        return "situp", "the trunk rises from lying towards upright, again and again"
    if f.posture == "standing":
        if knee_rom < MIN_KNEE_BEND_DEG:
            return None, "standing, but the knees barely bend"
        # Dip: one knee does the bending while the free leg hangs; lunge: split stance; squat:
        # both knees bend alike with the feet side by side.
        kl, kr = _both(f, "knee")
        if f.median["foot_follows_hips"] >= FOOT_FOLLOWS:
            return "single_leg_dip", "standing on one leg: the free foot rises and falls with the hips"
        if f.median["front_back_split"] > 0.4:
            return "lunge", "split stance, feet apart front to back"
        if min(kl, kr) < 0.62 * max(kl, kr) or f.rom["knee_together"] < 0.62 * max(kl, kr):
            return "single_leg_dip", "standing on one leg: only one knee bends at a time"
        if f.median["ankle_dy"] > 0.3:
            return "lunge", "split stance with the rear foot raised"
        return "squat", "standing, both knees bend together"
    if f.posture == "side":
        if f.rom["thighs"] > 10:
            return "clamshell", "lying on the side, the top knee opens and closes"
        return None, "lying on the side without a clamshell movement"
    if f.posture == "prone":
        if knee_med < 130:
            return None, "face down with bent knees (all fours?): no exercise of ours fits"
        if f.median["shoulder_rise"] >= SHOULDER_RISE:
            return "pushup", "plank, the chest rises and drops"
        if elev_rom > 6:
            return "prone_leg_lift", "face down, a straight leg lifts"
        return None, "face down without a leg lift or push-up"
    if f.posture == "supine":
        one_leg_up = f.median["ankle_dy"] > 0.45
        if one_leg_up:
            return bridge() if bridge is not None else bridge_or_hold(samples)
        if knee_rom > 30 and knee_max_med > 120:
            return "ball_leg_curl", "on the back, the knees bend from nearly straight"
        if f.rom["knee_together"] > CURL_KNEES_TOGETHER and f.median["hip_rise"] >= HIP_RISE:
            return "ball_leg_curl", "on the back, both knees bend and straighten together, hips lifting"
        if elev_rom > 30 and knee_med > 140:
            return "leg_raise", "on the back, straight legs rise and lower"
        if hip_rom > 15 and f.median["hip_rise"] >= HIP_RISE:
            return "glute_bridge", "on the back, feet planted, the hips rise and drop"
        return None, "on the back without a bridge, curl or leg raise"
    return None, "the posture could not be told"


#: Degrees both knees bend and straighten together, beyond which a supine exercise is a ball curl
#: even where the knees never read nearly straight (a view that foreshortens the shins): feet on
#: the floor keep them within this, since raising the hips over planted feet opens the knees little
#: (at most 38 on the real and rendered glute bridges, frog pumps included; ball curls 57-135).
#: The hips must lift too (:data:`HIP_RISE`), as they do in a curl: a dead bug's legs extend
#: from a tabletop with the hips down.
CURL_KNEES_TOGETHER = 48.0
#: Below this probability the fitted model's circuit answer is not taken (the rules decide).
MIN_MODEL_P = 0.5
_NAMES = {"single_leg_dip": "standing on one leg, the standing knee bends",
          "prone_leg_lift": "face down, a straight leg lifts",
          "ball_leg_curl": "on the back, heels on a ball, the knees bend and straighten",
          "clamshell": "lying on the side, the top knee opens and closes"}


def combine(model: tuple[str, float], bridge_hold: str, rules: str | None) -> str | None:
    """One answer from the fitted model's class, the hold detector's bridge/hold call and the rules.

    The rules decide whether the recording is one of the circuit's exercises: a squat, a lunge,
    a push-up or a sit-up they name stands, and so does "none fits" (standing still, all fours).
    Among the circuit's exercises the model decides when it names one with probability at least
    :data:`MIN_MODEL_P`; its bridge class becomes reps or a hold by the hold detector. The model
    was fitted on the randomised corpus, where the rules' posture calls fail on oblique floor
    views, but it saw only the real clips' few other exercises: left to itself it called every
    simulated squat, lunge and push-up a circuit exercise (``tests/test_detectors.py``).
    """
    from repcount.detectors import CIRCUIT
    from repcount.detectors.recognition_model import BRIDGE, NOT_CIRCUIT

    if rules not in CIRCUIT:
        return rules
    name, p = model
    if name != NOT_CIRCUIT and p >= MIN_MODEL_P:
        return bridge_hold if name == BRIDGE else name
    return rules


def recognise(samples: Sequence[PoseSample], known: Known | None = None) -> tuple[str | None, str]:
    """Name the exercise of a recording, or None with the reason it was not recognised.

    The fitted model (:mod:`repcount.detectors.recognition_model`) and the rules are combined by
    :func:`combine`; without the model file the rules alone decide. ``known``: see
    :func:`hold_sets`.
    """
    from repcount.detectors.recognition_model import shipped_model

    answers: list[tuple[str, str]] = []

    def bridge() -> tuple[str, str]:  # run once, whoever asks first
        if not answers:
            answers.append(bridge_or_hold(samples, known))
        return answers[0]

    f = clip_facts(samples)
    rules, why = recognise_by_rules(samples, f, bridge)
    model = shipped_model()
    if f is None or model is None:
        return rules, why
    name, p = model.predict(fact_vector(f))
    bh, bh_why = bridge() if name.startswith("single_leg_bridge") else ("", "")
    answer = combine((name, p), bh, rules)
    if answer is None or answer == rules:
        return answer, why
    reason = bh_why if answer == bh else _NAMES.get(answer, answer)
    return answer, f"{reason} (fitted model, p={p:.2f})"


#: Poses a second :class:`LiveRecogniser` measures the facts on.
FACT_RATE = 10.0


class LiveRecogniser:
    """:func:`recognise` over the last ``window_s`` of a stream, tried every second as it comes.

    Replaying the single-leg bridge's hold and rep detectors over the whole stretch on every try
    took about a second for 20 s of poses, a freeze of the live picture; here they run on the
    stream as it comes (a few milliseconds a frame), and a try costs only the facts.

    Args:
        fps: the stream's nominal frame rate.
        window_s: seconds of the stream recognised at most (:attr:`samples` keeps them).
        first_s: stream a first try waits for.
        every_s: seconds between tries.
        stable_s: how long the same answer must hold on every try to decide it (the first
            seconds of a hold look like a bridge rep until the hips stay up).

    """

    def __init__(self, fps: float, window_s: float, *, first_s: float = 5.0, every_s: float = 1.0,
                 stable_s: float = 5.0) -> None:
        from repcount.detectors import EXERCISES
        from repcount.detectors.streaming import Detector

        self.window_s, self.first_s, self.every_s, self.stable_s = window_s, first_s, every_s, stable_s
        self.samples: deque[PoseSample] = deque()
        #: The last try's answer and its reason.
        self.last: tuple[str | None, str] = (None, "not tried yet")
        self._last_try = float("-inf")
        self._since = float("inf")
        self._hold = Detector(EXERCISES["single_leg_bridge_hold"], fps)
        self._bridge = Detector(EXERCISES["single_leg_bridge"], fps)
        self._holds: list[Hold] = []
        self._reps: list[Rep] = []

    def add(self, sample: PoseSample) -> str | None:
        """Feed one sample, and try when a try is due.

        Returns:
            The exercise every try has named for :attr:`stable_s`, else None.

        """
        self.samples.append(sample)
        for ev in self._hold.update(sample):
            if isinstance(ev, Hold):
                self._holds.append(ev)
        self._reps += [ev for ev in self._bridge.update(sample) if isinstance(ev, Rep) and not ev.partial]
        start = sample.t - self.window_s
        while self.samples and self.samples[0].t < start:
            self.samples.popleft()
        self._holds = [h for h in self._holds if h.end_s >= start]
        self._reps = [r for r in self._reps if r.end_s >= start]
        if sample.t - self.samples[0].t < self.first_s or sample.t - self._last_try < self.every_s:
            return None
        self._last_try = sample.t
        name, why = self.recognise()
        if name != self.last[0]:
            self._since = sample.t
        self.last = (name, why)
        return name if name is not None and sample.t - self._since >= self.stable_s else None

    def recognise(self) -> tuple[str | None, str]:
        """The exercise of the window so far (see :func:`recognise`)."""
        holds = list(self._holds)
        st = self._hold.state()
        if st.holding and self.samples:  # the hold under way counts with what it has so far
            t = self.samples[-1].t
            holds.append(Hold(st.side, t - st.hold_s, t))
        samples = list(self.samples)
        # The facts are medians and ranges: about 10 poses a second measure them as well as 30
        # (and a try then costs a third).
        span = samples[-1].t - samples[0].t if len(samples) > 1 else 0.0
        step = max(1, int(len(samples) / max(span * FACT_RATE, 1.0)))
        return recognise(samples[::step], (holds, self._reps))
