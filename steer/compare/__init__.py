"""`steer compare PATH`: a run or a sweep summarised against its strength-0 baseline.

``load`` finds the runs and reads their records, ``stats`` holds the tests and intervals,
``summary`` builds ``summary.csv`` and the terminal table, ``plots`` the dose-response and
readout figures, ``grids`` the strength x vector/layer heatmaps of a sweep, ``monitoring``
(with ``auc`` and ``monitoring_plot``) the readouts across attempts and how well they predict
an attempt's outcome, ``report`` the self-contained ``report.html``; ``cli`` ties them together.
The statistics are described in ``steer.compare.summary`` and docs/compare.md.
"""
