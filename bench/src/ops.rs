//! Per operation: build (validates) and parse, through the component and natively.

use altinn_systemuser as core_;
use systemuser_host::{Runtime, RuntimeConfig};

use crate::harness::{pair, ratio, us, Effort, Stat};
use crate::host::{self, EngineKind};
use crate::inputs::{self, Case};
use crate::report::Report;

pub struct OpsResult {
    pub worst_ratio: f64,
    pub worst_name: String,
}

pub fn run(report: &mut Report, effort: Effort, component: &[u8], cases: &[Case], base: &str) -> OpsResult {
    let runtime =
        Runtime::from_bytes_with(component, RuntimeConfig { pooling: true, ..RuntimeConfig::default() }).expect("component loads");
    let mut session = runtime.session();
    let wcfg = inputs::wit_config(base);
    let ccfg = inputs::core_config(base);

    // Same answers on both sides before anything is timed.
    for c in cases {
        let w = session.build(&wcfg, &c.wit_call).expect("no trap").expect("valid");
        let n = core_::protocol::build(&ccfg, &c.core_call).expect("valid");
        assert_eq!(w.request.url, n.request.url, "{}: the component and the core build the same URL", c.name);
        assert_eq!(w.request.body, n.request.body, "{}: same body", c.name);
        let w = session.parse(&wcfg, &c.wit_call, &c.wit_response).expect("no trap");
        let n = core_::protocol::parse(&ccfg, &c.core_call, &c.core_response);
        assert!(w.is_ok() && n.is_ok(), "{}: both parse ({:?} / {:?})", c.name, w.as_ref().err(), n.as_ref().err());
    }

    // The same component without fuel metering, on our own pooling engine: what fuel costs.
    let kind = EngineKind { pooling: true, fuel: false };
    let engine = host::engine(kind);
    let compiled = wasmtime::component::Component::from_binary(&engine, component).expect("compiles");
    let pre = host::pre(&engine, &compiled);
    let (mut store, bindings) = host::instantiate(&engine, &pre, false);

    let mut rows = Vec::new();
    let mut worst = (0.0f64, String::new());
    let mut push = |rows: &mut Vec<Vec<String>>, name: String, c: Stat, n: Stat, note: &str, counts: bool| {
        let r = c.median / n.median;
        if counts && r > worst.0 {
            worst = (r, name.clone());
        }
        rows.push(vec![
            name,
            us(c.median),
            us(c.p90),
            us(n.median),
            us(n.p90),
            ratio(c.median, n.median),
            us(c.median - n.median),
            note.into(),
        ]);
    };
    for c in cases {
        let (cs, ns) =
            pair(effort, || session.build(&wcfg, &c.wit_call).unwrap().unwrap(), || core_::protocol::build(&ccfg, &c.core_call).unwrap());
        push(&mut rows, format!("{}: build (validates)", c.name), cs, ns, "", false);
        let (cs, ns) = pair(
            effort,
            || session.parse(&wcfg, &c.wit_call, &c.wit_response).unwrap().unwrap(),
            || core_::protocol::parse(&ccfg, &c.core_call, &c.core_response).unwrap(),
        );
        push(&mut rows, format!("{}: parse {} B", c.name, c.wit_response.body.len()), cs, ns, "", false);
        let (cs, ns) = pair(
            effort,
            || {
                session.build(&wcfg, &c.wit_call).unwrap().unwrap();
                session.parse(&wcfg, &c.wit_call, &c.wit_response).unwrap().unwrap()
            },
            || {
                core_::protocol::build(&ccfg, &c.core_call).unwrap();
                core_::protocol::parse(&ccfg, &c.core_call, &c.core_response).unwrap()
            },
        );
        push(&mut rows, format!("**{}: build + parse**", c.name), cs, ns, "product path (fuel on)", true);
        let (cs, ns) = pair(
            effort,
            || {
                let p = bindings.altinn_systemuser_protocol();
                p.call_build(&mut store, &wcfg, &c.wit_call).unwrap().unwrap();
                p.call_parse(&mut store, &wcfg, &c.wit_call, &c.wit_response).unwrap().unwrap()
            },
            || {
                core_::protocol::build(&ccfg, &c.core_call).unwrap();
                core_::protocol::parse(&ccfg, &c.core_call, &c.core_response).unwrap()
            },
        );
        push(&mut rows, format!("{}: build + parse, fuel off", c.name), cs, ns, "bare InstancePre instance", false);
    }
    report.table(
        "Per operation, Rust host: component (wasmtime 48, `InstancePre`, pooling) vs the same core compiled natively",
        "µs per call, median and p90 over interleaved samples of the same run; same inputs, same simulator responses. \
         The component column is `Session::build`/`Session::parse` of `systemuser-host` (fuel reset per call, WIT values \
         lowered into and lifted out of the guest); *native* is `altinn_systemuser::protocol::{build, parse}`.",
        &["operation", "component µs", "p90", "native µs", "p90", "component / native", "overhead µs", "note"],
        rows,
    );
    OpsResult { worst_ratio: worst.0, worst_name: worst.1 }
}
