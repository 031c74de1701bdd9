use std::ffi::OsStr;

use super::*;

#[test]
fn colour_only_on_a_terminal_without_no_color() {
    assert!(colour_wanted(true, None));
    assert!(!colour_wanted(false, None));
}

#[test]
fn no_color_with_a_value_turns_colour_off_and_an_empty_one_does_not() {
    assert!(!colour_wanted(true, Some(OsStr::new("1"))));
    assert!(colour_wanted(true, Some(OsStr::new(""))));
}

#[test]
fn only_json_names_the_json_format() {
    assert_eq!(Format::from_flag("json"), Format::Json);
    assert_eq!(Format::from_flag("text"), Format::Text);
}
