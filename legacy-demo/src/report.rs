//! The user report: the legacy pipeline, one user after the other.

use std::fmt;
use std::io;
use std::path::PathBuf;

use sha2::{Digest, Sha256};
use tempfile::TempDir;

use crate::avatars::{create_avatars, hash_avatar, hex, read_avatar, write_report};
use crate::db::{self, DbError, UserRow, begin, commit, save_user};
use crate::directory::Directory;
use crate::profiles::{FetchError, ProfileApi, fetch_profile};

/// Everything one report run works on: the service, the avatars, the database, the output.
#[derive(Debug, Clone)]
pub struct Job {
    /// The profile service.
    pub api: ProfileApi,
    /// The directory holding one avatar file per user.
    pub avatars: PathBuf,
    /// The SQLite database file.
    pub db: PathBuf,
    /// Where the report is written.
    pub report: PathBuf,
    /// How many times each avatar is hashed: the CPU-heavy step.
    pub hash_rounds: u32,
}

/// The files of one run, in a temporary directory that is removed when this is dropped.
#[derive(Debug)]
pub struct Workspace {
    /// The run's job, pointing into the directory.
    pub job: Job,
    _dir: TempDir,
}

impl Workspace {
    /// Creates a fresh database and one avatar per user in a new temporary directory.
    ///
    /// # Errors
    ///
    /// Any I/O or SQLite error while creating them.
    pub fn create(api: ProfileApi, ids: &[u64], hash_rounds: u32) -> Result<Self, Error> {
        let dir = tempfile::tempdir()?;
        let job = Job {
            api,
            avatars: dir.path().join("avatars"),
            db: dir.path().join("users.db"),
            report: dir.path().join("report.tsv"),
            hash_rounds,
        };
        create_avatars(&job.avatars, ids, 16 * 1024)?;
        db::create_schema(&job.db)?;
        Ok(Workspace { job, _dir: dir })
    }
}

/// Why a report run failed.
#[derive(Debug)]
pub enum Error {
    /// The profile service.
    Fetch(FetchError),
    /// The file system.
    Io(io::Error),
    /// The database.
    Db(DbError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Fetch(error) => error.fmt(f),
            Error::Io(error) => write!(f, "file system: {error}"),
            Error::Db(error) => write!(f, "database: {error}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<FetchError> for Error {
    fn from(error: FetchError) -> Self {
        Error::Fetch(error)
    }
}

impl From<io::Error> for Error {
    fn from(error: io::Error) -> Self {
        Error::Io(error)
    }
}

impl From<DbError> for Error {
    fn from(error: DbError) -> Self {
        Error::Db(error)
    }
}

/// The finished report: the rows, the text written to the report file, and its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Every user row, by id.
    pub rows: Vec<UserRow>,
    /// The report file's contents: one tab-separated line per user.
    pub text: String,
    /// The first 16 hex digits of the SHA-256 of `text`: equal digests, equal reports.
    pub digest: String,
}

impl Report {
    /// The report of `rows`. Pure: the legacy pipeline and every migrated phase share it.
    pub fn from_rows(rows: Vec<UserRow>) -> Self {
        let text: String = rows
            .iter()
            .map(|row| {
                format!(
                    "{}\t{}\t{}\t{}\t{}\n",
                    row.id, row.name, row.country, row.orders, row.avatar_sha256
                )
            })
            .collect();
        let digest = hex(&Sha256::digest(text.as_bytes()))[..16].to_owned();
        Report { rows, text, digest }
    }

    /// The sum of every user's orders.
    pub fn total_orders(&self) -> u64 {
        self.rows.iter().map(|row| u64::from(row.orders)).sum()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} users, {} orders, digest {}",
            self.rows.len(),
            self.total_orders(),
            self.digest
        )
    }
}

/// Fetches user `id`'s profile, reads and hashes the avatar: everything but the database.
///
/// # Errors
///
/// From the profile service or the file system.
pub fn build_row(job: &Job, id: u64) -> Result<UserRow, Error> {
    let profile = fetch_profile(&job.api, id)?;
    let avatar = read_avatar(&job.avatars, id)?;
    let avatar_sha256 = hash_avatar(avatar, job.hash_rounds);
    Ok(UserRow::new(profile, avatar_sha256))
}

/// Saves `row` in its own transaction: `begin`, `save_user`, `commit`, on this thread's
/// connection.
///
/// # Errors
///
/// From the database.
pub fn store_row(job: &Job, row: &UserRow) -> Result<(), Error> {
    begin(&job.db)?;
    save_user(&job.db, row)?;
    commit(&job.db)?;
    Ok(())
}

/// Reads every row back, writes the report file and returns the report.
///
/// # Errors
///
/// From the database or the file system.
pub fn finish(job: &Job) -> Result<Report, Error> {
    let report = Report::from_rows(Directory::open(&job.db)?.users()?);
    write_report(&job.report, &report.text)?;
    Ok(report)
}

/// Builds the report for `ids`, one user after the other, calling `on_user` after each.
///
/// This is the caller the migration rewrites; it blocks the calling thread for the whole run.
///
/// # Errors
///
/// The first error of any step; the users stored before it stay stored.
pub fn run_report(job: &Job, ids: &[u64], mut on_user: impl FnMut(u64)) -> Result<Report, Error> {
    for &id in ids {
        let row = build_row(job, id)?;
        store_row(job, &row)?;
        on_user(id);
    }
    finish(job)
}
