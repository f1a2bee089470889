//! Markdown tables, printed as they are made and kept for BENCHMARKS.md.

#[derive(Default)]
pub struct Report {
    pub sections: Vec<String>,
    pub targets: Vec<[String; 5]>,
}

impl Report {
    pub fn table(&mut self, title: &str, note: &str, head: &[&str], rows: Vec<Vec<String>>) {
        let mut s = format!("### {title}\n\n");
        if !note.is_empty() {
            s.push_str(note);
            s.push_str("\n\n");
        }
        s.push_str(&format!("| {} |\n", head.join(" | ")));
        s.push_str(&format!(
            "|{}|\n",
            head.iter().enumerate().map(|(i, _)| if i == 0 { ":---" } else { "---:" }).collect::<Vec<_>>().join("|")
        ));
        for r in rows {
            s.push_str(&format!("| {} |\n", r.join(" | ")));
        }
        println!("{s}");
        self.sections.push(s);
    }

    /// A target of the issue: what, the bound, the figure, met or not, and a note.
    pub fn target(&mut self, what: &str, bound: &str, figure: String, met: bool, note: &str) {
        self.targets.push([what.into(), bound.into(), figure, if met { "met".into() } else { "**missed**".into() }, note.into()]);
    }

    pub fn markdown(&self) -> String {
        let mut s = String::from("### Targets\n\n| target | bound | measured | verdict | note |\n|:---|---:|---:|:---|:---|\n");
        for t in &self.targets {
            s.push_str(&format!("| {} |\n", t.join(" | ")));
        }
        s.push('\n');
        for sec in &self.sections {
            s.push_str(sec);
            s.push('\n');
        }
        s
    }
}
