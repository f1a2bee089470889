//! `systemuser verify`, `systemuser users list`.

use serde_json::{json, Value};
use systemuser_host::wit::SystemUserPage;

use super::output::{self, print_json};
use super::{plural, shell_word, Exit, Failure, Global};

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The vendor's system
    #[arg(long, value_name = "ID")]
    pub system_id: String,
    /// The customer organisation number
    #[arg(long, value_name = "ORGNO")]
    pub org: String,
    /// The external ref the request used [default: the org number]
    #[arg(long, value_name = "REF")]
    pub external_ref: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
pub enum UsersCommand {
    /// List a system's system users (every page, or one page with --page / --single-page).
    List(UsersListArgs),
}

#[derive(Debug, clap::Args)]
pub struct UsersListArgs {
    /// The vendor's system
    #[arg(long, value_name = "ID")]
    pub system_id: String,
    /// Only one page: the first, or the one --page names
    #[arg(long)]
    pub single_page: bool,
    /// The page to fetch (a `next page` token); implies --single-page
    #[arg(long, value_name = "TOKEN")]
    pub page: Option<String>,
}

pub fn verify(global: &Global, args: &VerifyArgs) -> Result<Exit, Failure> {
    let (_, client) = global.client()?;
    let user = client.verify_system_user(&args.system_id, &args.org, args.external_ref.as_deref())?;
    let exit = if user.is_some() { Exit::Ok } else { Exit::No };
    if global.json {
        print_json(&json!({"ok": user.is_some(), "found": user.is_some(), "systemUser": user.as_ref().map(output::user_json)}));
        return Ok(exit);
    }
    let key = match &args.external_ref {
        Some(r) => format!("{} / customer {} / external ref {r}", args.system_id, args.org),
        None => format!("{} / customer {}", args.system_id, args.org),
    };
    match user {
        Some(user) => {
            println!("✓ system user found for {key}");
            for line in output::user_lines(&user) {
                println!("  {line}");
            }
        }
        None => {
            println!("✗ no system user for {key}");
            println!("  the customer has not approved a request for this key (or the system user was deleted);");
            println!("  `{} request list --system-id {}` shows the requests", global.invocation(), shell_word(&args.system_id));
        }
    }
    Ok(exit)
}

pub fn users(global: &Global, command: &UsersCommand) -> Result<Exit, Failure> {
    let UsersCommand::List(args) = command;
    let (_, client) = global.client()?;
    let page = if args.single_page || args.page.is_some() {
        client.list_system_users(&args.system_id, args.page.clone())?
    } else {
        SystemUserPage { items: client.list_all_system_users(&args.system_id)?, next_page: None }
    };
    if global.json {
        let items: Vec<Value> = page.items.iter().map(output::user_json).collect();
        print_json(&json!({"systemId": args.system_id, "items": items, "nextPage": page.next_page}));
        return Ok(Exit::Ok);
    }
    let n = page.items.len();
    println!("{n} system user{} for {}", plural(n), args.system_id);
    if n > 0 {
        let rows: Vec<Vec<String>> = page
            .items
            .iter()
            .map(|u| {
                vec![
                    u.id.clone(),
                    output::user_type_name(&u.user_type),
                    u.reportee_org_no.clone(),
                    u.external_ref.clone().unwrap_or_default(),
                    u.created.as_ref().map(output::datetime).unwrap_or_default(),
                ]
            })
            .collect();
        println!("{}", output::table(&["ID", "TYPE", "CUSTOMER", "EXTERNAL REF", "CREATED"], &rows));
    }
    if let Some(token) = &page.next_page {
        println!("more: {} users list --system-id {} --page {}", global.invocation(), shell_word(&args.system_id), shell_word(token));
    }
    Ok(Exit::Ok)
}
