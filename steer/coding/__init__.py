"""Impossible coding tasks: HumanEval variants, hand-written tasks, reply parsing, cheat checks.

Nothing in this package runs model-written code: that is the sandbox's job. The only code it
runs is trusted (HumanEval's canonical solutions and our own reference solutions), in a plain
subprocess (`steer.coding.trusted`).
"""
