use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

use super::describe_exit;

#[test]
fn a_process_killed_by_sigkill_is_signal_9() {
    // A raw wait status: the low 7 bits hold the terminating signal.
    assert_eq!(describe_exit(ExitStatus::from_raw(9)), "signal 9");
}

#[test]
fn a_process_that_exited_with_code_1_is_status_1() {
    // A raw wait status: the exit code sits in the second byte.
    assert_eq!(describe_exit(ExitStatus::from_raw(1 << 8)), "status 1");
    assert_eq!(describe_exit(ExitStatus::from_raw(0)), "status 0");
}

#[test]
fn a_core_dump_is_said() {
    assert_eq!(
        describe_exit(ExitStatus::from_raw(11 | 0x80)),
        "signal 11, core dumped"
    );
}
