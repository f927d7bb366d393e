"""Auditing: export a process's Temporal history, replay it against the current code, derive the statutory timeline
from the history alone, check the database against it (and its hash chain), archive closed histories, and print a
case report. Temporal is asked only through starter/client/ (the connection; histories.py reads a process's
histories, continue-as-new chains and child workflows; visibility.py what Temporal says of an open process;
archiving.py archives closed runs, for the ArchiveClosedRuns activities in activities/archive.py and `sendclock audit
archive`): nothing here imports temporalio's Client or the service's errors. Each module has one concern:

    history.py   what a history is (one run or a chain of runs) and its file formats
    converter.py the data converter (and, once payloads are encrypted, the codec) used to decode and replay
    source.py    "give me the histories of X": a file, Temporal, or the archive when Temporal no longer has them
    export.py    history_json(): the export document (for the CLI and the dashboard)
    timeline.py  the statutory timeline, from the history alone
    render.py    the timeline and the verdict in plain English
    replay.py    verdict(): does the current code reproduce the recorded decisions? (and where it diverges)
    verify.py    the database against the histories, and the event table's hash chain
    archive.py   var/archive/: every closed run's history, gzip JSON, indexed
    divergence.py  what Temporal says of a process the database holds open (WorkflowView), in words
    report.py    a printable timeline for one case (html, csv, pdf)
"""
