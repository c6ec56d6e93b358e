"""`steer compare PATH`: a run or a sweep summarised against its strength-0 baseline.

``load`` finds the runs and reads their records, ``stats`` holds the tests and intervals,
``summary`` builds ``summary.csv`` and the terminal table, ``plots`` the dose-response and
readout figures, ``report`` the self-contained ``report.html``; ``cli`` ties them together.
The statistics are described in ``steer.compare.summary`` and docs/compare.md.
"""
