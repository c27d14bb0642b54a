//! `--follow`: the events of a log file as it grows, across log rotation.
//!
//! The file is polled (no inotify: it works the same on every file system, network mounts
//! included, and needs no extra crate). Each poll reads what was appended, complete lines only:
//! a line being written is held until its line break arrives. Then the path is looked at again:
//! - **rename rotation** (the API server's own `--audit-log-maxsize`, logrotate's default): the
//!   path names another file (device and inode differ). The old file is read to its end first,
//!   its last line even without a line break, then the new file is read from its start.
//! - **copytruncate**: the same file became shorter than what was read. It is read again from
//!   its start. A truncation followed by writes that outgrow the old size before the next poll
//!   cannot be seen this way (and the writer's own offset may leave a hole of NUL bytes);
//!   prefer rename rotation.
//! - the path is missing (between rename and re-creation): the old file is kept until a new
//!   one appears.
//!
//! Line numbers start again at 1 in a new or truncated file. Only JSON lines are followed (what
//! the log backend writes); an `EventList` on one line is read too. A gzip file cannot be
//! followed.

use std::collections::VecDeque;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use memchr::memmem;
use palisade_model::InputError;

use crate::reader::{
    Decoded, Filled, Limits, LineBuffer, Pending, Record, Sink, decode_line, input_error,
    list_marker, next_pending, overlong_error, ready, reuse,
};

/// How to follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FollowOptions {
    /// Time between two looks at the file when nothing new was found.
    pub poll_interval: Duration,
    /// Read what the file already holds first (`true`), or only what is appended from now on
    /// (`false`, as `tail -f -n 0`). Line numbers are right either way.
    pub from_start: bool,
    pub limits: Limits,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            poll_interval: Duration::from_millis(250),
            from_start: true,
            limits: Limits::default(),
        }
    }
}

/// Which file a path names; `None` where the platform cannot tell.
type Identity = Option<(u64, u64)>;

#[cfg(unix)]
fn identity(metadata: &fs::Metadata) -> Identity {
    use std::os::unix::fs::MetadataExt;
    Some((metadata.dev(), metadata.ino()))
}

#[cfg(not(unix))]
fn identity(_metadata: &fs::Metadata) -> Identity {
    None
}

/// The events of a growing log file, as an iterator that ends only when `stop` is set.
///
/// After `stop` is set, what the file holds at that moment is still read (one last poll), so
/// that a test can write, stop, and then see every event it wrote.
pub struct Follower {
    path: PathBuf,
    file: Arc<str>,
    options: FollowOptions,
    stop: Arc<AtomicBool>,
    input: BufReader<File>,
    identity: Identity,
    lines: LineBuffer,
    /// The current line, complete or not yet.
    text: Vec<u8>,
    line: u32,
    pending: VecDeque<Pending>,
    marker: memmem::Finder<'static>,
    rotations: u32,
    truncations: u32,
    stopping: bool,
}

impl Follower {
    /// Opens `path` to follow it. It must exist now (a typo should not wait forever); later it
    /// may disappear and come back.
    pub fn new(
        path: &Path,
        options: FollowOptions,
        stop: Arc<AtomicBool>,
    ) -> Result<Follower, InputError> {
        let name: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
        let fail = |message: String| input_error(&name, None, None, message);
        let file = File::open(path).map_err(|e| fail(format!("cannot open: {e}")))?;
        let metadata = file
            .metadata()
            .map_err(|e| fail(format!("cannot read: {e}")))?;
        if metadata.is_dir() {
            return Err(fail("is a directory, not a log file".to_string()));
        }
        let mut input = BufReader::with_capacity(256 * 1024, file);
        let head = input
            .fill_buf()
            .map_err(|e| fail(format!("cannot read: {e}")))?;
        if head.starts_with(&[0x1f, 0x8b]) {
            return Err(fail(
                "is gzip-compressed: a compressed log does not grow; read it without --follow"
                    .to_string(),
            ));
        }
        let mut follower = Follower {
            path: path.to_path_buf(),
            file: name.clone(),
            options,
            stop,
            input,
            identity: identity(&metadata),
            lines: LineBuffer::default(),
            text: Vec::new(),
            line: 0,
            pending: VecDeque::new(),
            marker: list_marker(),
            rotations: 0,
            truncations: 0,
            stopping: false,
        };
        if !options.from_start {
            follower
                .skip_existing()
                .map_err(|e| fail(format!("cannot read: {e}")))?;
        }
        Ok(follower)
    }

    /// Moves to the end of the last complete line, counting lines on the way so that later
    /// events still carry their true line numbers. A line being written is read when it ends.
    fn skip_existing(&mut self) -> io::Result<()> {
        let (mut lines, mut offset, mut last_break) = (0u32, 0u64, 0u64);
        loop {
            let available = self.input.fill_buf()?;
            if available.is_empty() {
                break;
            }
            for at in memchr::memchr_iter(b'\n', available) {
                lines = lines.saturating_add(1);
                last_break = offset + at as u64 + 1;
            }
            let used = available.len();
            offset += used as u64;
            self.input.consume(used);
        }
        self.input.seek(SeekFrom::Start(last_break))?;
        self.lines.consumed = last_break;
        self.line = lines;
        Ok(())
    }

    /// Times the path was found to name a new file.
    pub fn rotations(&self) -> u32 {
        self.rotations
    }

    /// Times the file was found shorter than what had been read.
    pub fn truncations(&self) -> u32 {
        self.truncations
    }

    /// Reads what is new, following a rotation or truncation. Returns whether anything (an
    /// event or an error) became available. Never blocks.
    pub fn poll(&mut self) -> bool {
        let before = self.pending.len();
        self.read_available();
        match fs::metadata(&self.path) {
            Ok(metadata) if identity(&metadata) != self.identity => {
                // Open the new file first: if that fails (it is being created), the old one is
                // kept and the next poll tries again.
                if let Ok(file) = File::open(&self.path) {
                    self.read_available();
                    if self.lines.has_partial() {
                        self.line = self.line.saturating_add(1);
                        self.take_line();
                    }
                    let metadata = file.metadata().ok();
                    self.identity = metadata.as_ref().and_then(identity);
                    self.input = BufReader::with_capacity(256 * 1024, file);
                    self.restart();
                    self.rotations += 1;
                    self.read_available();
                }
            }
            Ok(metadata) if metadata.len() < self.lines.consumed => {
                // The unfinished line, if any, went to the copy; it is not ours to finish.
                match self.input.seek(SeekFrom::Start(0)) {
                    Ok(_) => {
                        self.restart();
                        self.truncations += 1;
                        self.read_available();
                    }
                    Err(error) => self.fail(format!("cannot read again after truncation: {error}")),
                }
            }
            // Missing (mid-rotation) or unreadable for a moment: try again at the next poll.
            _ => {}
        }
        self.pending.len() > before
    }

    fn restart(&mut self) {
        self.lines.next_line();
        reuse(&mut self.text);
        self.lines.consumed = 0;
        self.line = 0;
    }

    fn fail(&mut self, message: String) {
        let line = self.line.saturating_add(1);
        self.pending.push_back(Pending::Ready(Err(input_error(
            &self.file,
            Some(line),
            None,
            message,
        ))));
    }

    /// Reads complete lines up to the end of what is written now.
    fn read_available(&mut self) {
        loop {
            match self.lines.fill(
                &mut self.input,
                self.options.limits.max_line_bytes,
                &mut self.text,
            ) {
                Ok(Filled::Line { .. }) => {
                    self.line = self.line.saturating_add(1);
                    self.take_line();
                }
                Ok(Filled::End) => return,
                Err(error) => {
                    self.fail(format!("cannot read: {error}"));
                    return;
                }
            }
        }
    }

    fn take_line(&mut self) {
        if self.lines.overlong {
            let error = overlong_error(
                &self.file,
                self.line,
                self.lines.length,
                self.options.limits.max_line_bytes,
            );
            self.pending.push_back(Pending::Ready(Err(error)));
        } else {
            let text = self.text.as_slice();
            let text = if self.line == 1 {
                text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text)
            } else {
                text
            };
            let mut out = Vec::with_capacity(1);
            decode_line(
                &self.file,
                text,
                self.line,
                &self.options.limits,
                &self.marker,
                None,
                &mut Sink {
                    settle: &ready,
                    out: &mut out,
                },
            );
            self.pending.extend(out);
        }
        self.lines.next_line();
        reuse(&mut self.text);
    }

    /// The next event or error, waiting for one; `None` once `stop` is set and what was
    /// written before is read.
    fn next_blocking(&mut self) -> Option<Result<Record<'static>, InputError>> {
        loop {
            if let Some(result) = next_pending(&mut self.pending, &self.file, &Decoded) {
                return Some(result);
            }
            if self.stopping {
                return None;
            }
            if self.stop.load(Ordering::Acquire) {
                self.stopping = true;
                self.poll();
                continue;
            }
            if !self.poll() {
                std::thread::sleep(self.options.poll_interval);
            }
        }
    }
}

impl Iterator for Follower {
    type Item = Result<Record<'static>, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_blocking()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::mpsc;
    use std::thread;

    fn line(id: &str) -> String {
        format!(
            "{{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"auditID\":\"{id}\",\"verb\":\"get\"}}\n"
        )
    }

    fn append(path: &Path, text: &str) {
        let mut file = match fs::OpenOptions::new().append(true).create(true).open(path) {
            Ok(file) => file,
            Err(error) => panic!("cannot open {}: {error}", path.display()),
        };
        if let Err(error) = file.write_all(text.as_bytes()) {
            panic!("cannot write {}: {error}", path.display());
        }
    }

    fn options() -> FollowOptions {
        FollowOptions {
            poll_interval: Duration::from_millis(5),
            ..FollowOptions::default()
        }
    }

    fn follower(path: &Path, options: FollowOptions) -> (Follower, Arc<AtomicBool>) {
        let stop = Arc::new(AtomicBool::new(false));
        match Follower::new(path, options, stop.clone()) {
            Ok(follower) => (follower, stop),
            Err(error) => panic!("cannot follow: {error}"),
        }
    }

    /// Everything available now, without waiting: (auditID, line) or the error text.
    fn drain(follower: &mut Follower) -> Vec<String> {
        follower.poll();
        let mut out = Vec::new();
        while let Some(result) = next_pending(&mut follower.pending, &follower.file, &Decoded) {
            out.push(match result {
                Ok(record) => format!("{}@{}", record.event.audit_id, record.location.line),
                Err(error) => format!("error@{:?}: {}", error.line, error.message),
            });
        }
        out
    }

    #[test]
    fn reads_appends_and_waits_for_the_end_of_a_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        append(&path, &(line("a") + &line("b")));
        let (mut f, _stop) = follower(&path, options());
        assert_eq!(drain(&mut f), ["a@1", "b@2"]);
        assert!(drain(&mut f).is_empty());
        let c = line("c");
        let (first, second) = c.split_at(20);
        append(&path, first);
        assert!(drain(&mut f).is_empty(), "half a line is not read");
        append(&path, second);
        append(&path, "\n\r\n");
        append(&path, "not json\n");
        let got = drain(&mut f);
        assert_eq!(got[0], "c@3");
        assert!(got[1].starts_with("error@Some(6)"), "{got:?}");
        assert_eq!(f.rotations() + f.truncations(), 0);
    }

    #[test]
    fn starting_at_the_end_keeps_line_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        let c = line("c");
        let (first, second) = c.split_at(10);
        append(&path, &(line("a") + &line("b") + first));
        let (mut f, _stop) = follower(
            &path,
            FollowOptions {
                from_start: false,
                ..options()
            },
        );
        assert!(drain(&mut f).is_empty());
        append(&path, second);
        assert_eq!(drain(&mut f), ["c@3"]);
    }

    #[test]
    fn rename_rotation_reads_the_old_file_to_its_end_then_the_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        append(&path, &line("a"));
        let (mut f, _stop) = follower(&path, options());
        assert_eq!(drain(&mut f), ["a@1"]);
        let rotated = dir.path().join("audit.log.1");
        fs::rename(&path, &rotated).unwrap();
        // The writer still holds the old file and writes one more line to it.
        append(&rotated, &line("b"));
        assert_eq!(
            drain(&mut f),
            ["b@2"],
            "the old file is read while the path is missing"
        );
        append(&path, &(line("c") + &line("d")));
        assert_eq!(drain(&mut f), ["c@1", "d@2"]);
        assert_eq!(f.rotations(), 1);
    }

    #[test]
    fn rotation_flushes_an_unfinished_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        append(&path, &(line("a") + line("b").trim_end()));
        let (mut f, _stop) = follower(&path, options());
        assert_eq!(drain(&mut f), ["a@1"]);
        fs::rename(&path, dir.path().join("audit.log.1")).unwrap();
        append(&path, &line("c"));
        assert_eq!(drain(&mut f), ["b@2", "c@1"]);
    }

    #[test]
    fn copytruncate_starts_again_from_the_top() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        append(&path, &(line("aaaa") + &line("bbbb")));
        let (mut f, _stop) = follower(&path, options());
        assert_eq!(drain(&mut f), ["aaaa@1", "bbbb@2"]);
        fs::copy(&path, dir.path().join("audit.log.1")).unwrap();
        let file = fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(0).unwrap();
        drop(file);
        assert!(drain(&mut f).is_empty());
        append(&path, &line("c"));
        assert_eq!(drain(&mut f), ["c@1"]);
        assert_eq!(f.truncations(), 1);
        assert_eq!(f.rotations(), 0);
    }

    #[test]
    fn overlong_lines_are_skipped_in_follow_mode_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        append(&path, &line("a"));
        let mut opts = options();
        opts.limits.max_line_bytes = 100;
        let (mut f, _stop) = follower(&path, opts);
        assert_eq!(drain(&mut f), ["a@1"]);
        append(&path, &"x".repeat(150));
        assert!(drain(&mut f).is_empty());
        append(&path, &"x".repeat(150));
        append(&path, &format!("\n{}", line("b")));
        let got = drain(&mut f);
        assert!(
            got[0].starts_with("error@Some(2): line of 300 bytes"),
            "{got:?}"
        );
        assert_eq!(got[1], "b@3");
    }

    #[test]
    fn refuses_what_cannot_be_followed() {
        let dir = tempfile::tempdir().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let missing = Follower::new(&dir.path().join("nope.log"), options(), stop.clone());
        assert!(missing.is_err_and(|e| e.message.starts_with("cannot open")));
        let gz = dir.path().join("audit.log.gz");
        fs::write(&gz, [0x1f, 0x8b, 8, 0]).unwrap();
        let gzip = Follower::new(&gz, options(), stop.clone());
        assert!(gzip.is_err_and(|e| e.message.contains("gzip")));
        let directory = Follower::new(dir.path(), options(), stop);
        assert!(directory.is_err());
    }

    /// A real follower thread while another thread writes, rotates and truncates. Every wait
    /// is bounded; nothing asserts how long anything took.
    #[test]
    fn follows_a_live_file_in_a_thread() {
        const WAIT: Duration = Duration::from_secs(20);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        append(&path, &line("first"));
        let (f, stop) = follower(&path, options());
        let (send, receive) = mpsc::channel();
        let worker = thread::spawn(move || {
            for result in f {
                let item = match result {
                    Ok(record) => format!("{}@{}", record.event.audit_id, record.location.line),
                    Err(error) => format!("error: {error}"),
                };
                if send.send(item).is_err() {
                    break;
                }
            }
        });
        let expect = |want: &str| match receive.recv_timeout(WAIT) {
            Ok(got) => assert_eq!(got, want),
            Err(error) => panic!("waiting for {want}: {error}"),
        };
        expect("first@1");
        append(&path, &line("second"));
        expect("second@2");
        // Rename rotation with a late line in the old file.
        let rotated = dir.path().join("audit.log.1");
        fs::rename(&path, &rotated).unwrap();
        append(&rotated, &line("late"));
        append(&path, &line("new"));
        expect("late@3");
        expect("new@1");
        // copytruncate: the new content is shorter than what was read, whenever the poll comes.
        append(&path, &line("x-padding-padding-padding"));
        expect("x-padding-padding-padding@2");
        let file = fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(0).unwrap();
        drop(file);
        append(&path, &line("y"));
        expect("y@1");
        // Written just before stop: still delivered, then the iterator ends.
        append(&path, &line("last"));
        stop.store(true, Ordering::Release);
        expect("last@2");
        match receive.recv_timeout(WAIT) {
            Err(mpsc::RecvTimeoutError::Disconnected) => {}
            other => panic!("the follower should have ended: {other:?}"),
        }
        worker.join().unwrap();
    }
}
