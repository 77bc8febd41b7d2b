"""A faithful simulated terminal for demos, training and integration tests.

    cfg = SimConfig(host="127.0.0.1", port=0, data_dir=path, profile="spec")
    async with SimulatedTerminal(cfg) as term:
        term.base_url                   # http://127.0.0.1:<bound port>
        term.faults.latency_ms = 100    # faults change at run time
        await term.pass_door("007")     # or POST /_sim/pass id=007

Profiles: `spec` follows the protocol document; `acs-1.1.143` reproduces the v1.3 firmware's
quirks (wire-format.md); `acs-legacy-ms` the older firmware that spoke milliseconds.
Modules: `http` (request reader), `wire` (parameters, JSON, base64), `router` and the endpoint
modules `persons`, `records`, `settings`; `device` (state, clock, gallery, door), `state`
(persistence), `faces` (the face judge), `camera`, `uploads`, `control` (`/_sim/`), `server`.
"""

from enroll_app.simulator.config import PROFILES, Faults, SimConfig
from enroll_app.simulator.device import PassOutcome
from enroll_app.simulator.faces import EngineJudge, FaceJudge, FaceVerdict
from enroll_app.simulator.server import SimulatedTerminal

__all__ = [
    "PROFILES",
    "EngineJudge",
    "FaceJudge",
    "FaceVerdict",
    "Faults",
    "PassOutcome",
    "SimConfig",
    "SimulatedTerminal",
]
