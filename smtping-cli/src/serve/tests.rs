//! Unit tests of `serve` (kept beside it, in its own file).

use super::*;

#[test]
fn only_a_non_loopback_listener_warns() {
    let addr = |s: &str| s.parse::<SocketAddr>().unwrap();
    assert_eq!(exposure_warning(addr("127.0.0.1:9125")), None);
    assert_eq!(exposure_warning(addr("127.3.0.1:9125")), None);
    assert_eq!(exposure_warning(addr("[::1]:9125")), None);
    for open in ["0.0.0.0:9125", "192.0.2.7:9125", "[::]:9125"] {
        let w = exposure_warning(addr(open)).unwrap();
        assert!(w.contains("not a loopback address"), "{w}");
        assert!(w.contains("allow_targets"), "{w}");
        assert!(!w.contains('\n'));
    }
}

#[test]
fn the_defaults_listen_on_loopback() {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }
    let cli = Cli::try_parse_from(["serve"]).unwrap();
    assert_eq!(cli.serve.listen, "127.0.0.1:9125".parse().unwrap());
    assert!(cli.serve.config.is_none());
    assert!(!cli.serve.quiet);
}
