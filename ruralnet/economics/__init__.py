"""The money side: cost per parcel, 共同配送 against carriers alone, investment per fund line.

Sits above :mod:`ruralnet.programme` (fund tables) and :mod:`ruralnet.plan`
(it re-plans carriers and volumes with :func:`ruralnet.plan.build.make_plan`),
below :mod:`ruralnet.pipeline`.
"""
