"""glia: a Python client for gliad.

    import glia
    c = glia.Client("http://127.0.0.1:8080")          # token: token=, $GLIA_TOKEN, $GLIA_TOKEN_FILE
    s = c.create_session("m314", preset="maturity", seed=314)
    s.run(20000).wait()
    print(s.inference()["mean_accuracy"], s.trajectory().tail())

Objects: Client, Session, Experiment, Dataset, Event, Objective; errors: ProblemError; outside
optimizers: objective(session); figures: plot_trajectory, plot_curves, plot_outputs;
the DataFrame builders are in glia.frames. Documentation: docs/python.md.
"""
from .client import Client
from .dataset import Dataset
from .errors import ProblemError
from .events import Event
from .experiment import Experiment
from .objective import Objective, objective
from .plot import plot_curves, plot_outputs, plot_trajectory
from .session import Session

__version__ = "0.1.0"

__all__ = [
    "Client",
    "Dataset",
    "Event",
    "Experiment",
    "Objective",
    "ProblemError",
    "Session",
    "objective",
    "plot_curves",
    "plot_outputs",
    "plot_trajectory",
]
