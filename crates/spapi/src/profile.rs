//! Credential profiles of the `spapi` client commands.
//!
//! Profiles live in `profiles.json` in the config directory (`--config-dir`,
//! `SPAPI_CONFIG_DIR`, else `$XDG_CONFIG_HOME/spapi` or `~/.config/spapi`), one per seller,
//! region or server (spapi or Amazon). The file is written with mode 0600 in a 0700 directory,
//! atomically (a temporary file renamed over it).
//!
//! The client secret and the refresh token are encrypted at rest with AES-256-GCM (ring); each
//! sealed value is bound to its profile and field (associated data), so a value copied to another
//! slot does not open. The key is 32 random bytes in `profiles.key` beside the file (0600). An OS
//! keyring would keep the key off the disk, but the `keyring` crate needs D-Bus and libsecret on
//! Linux, which a headless machine or CI lacks; the key file protects against the profile file
//! leaking alone (a backup, a paste, a shared dotfiles repository), not against someone who can
//! read every file of the user.

use anyhow::{Context, bail};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

const FILE: &str = "profiles.json";
const KEY_FILE: &str = "profiles.key";
const SEALED_PREFIX: &str = "aes256gcm.v1.";

/// A consent URL handed out and not yet answered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PendingConsent {
    /// The state sent; the redirect must carry it back.
    pub state: String,
    /// The redirect URI the consent used (the code exchange repeats it).
    pub redirect_uri: Option<String>,
    /// Unix seconds when the URL was made.
    pub created_at: u64,
}

/// One profile.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Profile {
    /// SP-API base URL.
    pub endpoint: String,
    /// LWA token endpoint.
    pub lwa_url: String,
    /// Seller Central base URL of the consent page.
    pub consent_url: String,
    /// The app's application id (for consent URLs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    /// LWA client id.
    pub client_id: String,
    /// LWA client secret, sealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// The redirect URI registered for the app (a loopback one for `spapi auth callback`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// The seller's refresh token, sealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The seller who authorized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selling_partner_id: Option<String>,
    /// Unix seconds of the last authorization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorized_at: Option<u64>,
    /// The consent in progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingConsent>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// The profiles of one config directory.
#[derive(Debug)]
pub struct Profiles {
    dir: PathBuf,
    file: File,
}

/// The default config directory.
pub fn default_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(x).join("spapi");
    }
    match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        Some(h) => PathBuf::from(h).join(".config").join("spapi"),
        None => PathBuf::from(".spapi"),
    }
}

pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Profiles {
    /// Reads the profiles of `dir` (none yet is fine).
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(FILE);
        let file = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .with_context(|| format!("reading {}", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => File::default(),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        Ok(Profiles {
            dir: dir.to_path_buf(),
            file,
        })
    }

    /// Path of the profiles file.
    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE)
    }

    /// A profile by name.
    pub fn get(&self, name: &str) -> anyhow::Result<&Profile> {
        self.file.profiles.get(name).with_context(|| {
            format!(
                "no profile {name:?} in {}; create it with `spapi auth init --profile {name} ...`",
                self.path().display()
            )
        })
    }

    /// A profile by name, to change.
    pub fn get_mut(&mut self, name: &str) -> anyhow::Result<&mut Profile> {
        let path = self.path();
        self.file
            .profiles
            .get_mut(name)
            .with_context(|| format!("no profile {name:?} in {}", path.display()))
    }

    /// Sets a profile.
    pub fn put(&mut self, name: &str, profile: Profile) {
        self.file.profiles.insert(name.to_string(), profile);
    }

    /// Removes a profile.
    pub fn remove(&mut self, name: &str) -> bool {
        self.file.profiles.remove(name).is_some()
    }

    /// Profile names.
    pub fn names(&self) -> Vec<String> {
        self.file.profiles.keys().cloned().collect()
    }

    /// Writes the file (0600, atomically).
    pub fn save(&self) -> anyhow::Result<()> {
        create_private_dir(&self.dir)?;
        let text = serde_json::to_string_pretty(&self.file)?;
        write_private(&self.path(), text.as_bytes())
    }

    fn key(&self, create: bool) -> anyhow::Result<LessSafeKey> {
        let path = self.dir.join(KEY_FILE);
        let hex_key = match std::fs::read_to_string(&path) {
            Ok(k) => k.trim().to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                let mut bytes = [0u8; 32];
                SystemRandom::new()
                    .fill(&mut bytes)
                    .map_err(|_| anyhow::anyhow!("the OS random generator failed"))?;
                let k = hex(&bytes);
                create_private_dir(&self.dir)?;
                write_private(&path, k.as_bytes())?;
                k
            }
            Err(e) => {
                return Err(e).with_context(|| {
                    format!(
                        "reading the key {} that the profile's secrets are encrypted with",
                        path.display()
                    )
                });
            }
        };
        let bytes = unhex(&hex_key).context("the key file is not a hex key")?;
        let key = UnboundKey::new(&AES_256_GCM, &bytes)
            .map_err(|_| anyhow::anyhow!("the key file does not hold a 256-bit key"))?;
        Ok(LessSafeKey::new(key))
    }

    /// Encrypts `value` for `field` of profile `name`.
    pub fn seal(&self, name: &str, field: &str, value: &str) -> anyhow::Result<String> {
        let key = self.key(true)?;
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| anyhow::anyhow!("the OS random generator failed"))?;
        let mut data = value.as_bytes().to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad(name, field).as_bytes()),
            &mut data,
        )
        .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        Ok(format!("{SEALED_PREFIX}{}.{}", hex(&nonce), hex(&data)))
    }

    /// Decrypts a value sealed for `field` of profile `name`.
    pub fn open_sealed(&self, name: &str, field: &str, sealed: &str) -> anyhow::Result<String> {
        let Some(rest) = sealed.strip_prefix(SEALED_PREFIX) else {
            bail!("the {field} of profile {name:?} is not encrypted by spapi");
        };
        let (n, c) = rest.split_once('.').context("malformed sealed value")?;
        let nonce: [u8; NONCE_LEN] = unhex(n)
            .context("malformed nonce")?
            .try_into()
            .map_err(|_| anyhow::anyhow!("malformed nonce"))?;
        let mut data = unhex(c).context("malformed ciphertext")?;
        let key = self.key(false)?;
        let plain = key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad(name, field).as_bytes()),
                &mut data,
            )
            .map_err(|_| {
                anyhow::anyhow!(
                    "the {field} of profile {name:?} does not decrypt with {} (another key, or altered)",
                    self.dir.join(KEY_FILE).display()
                )
            })?;
        Ok(String::from_utf8(plain.to_vec())?)
    }
}

fn aad(name: &str, field: &str) -> String {
    format!("spapi-profile:v1:{}:{name}:{field}", name.len())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Writes `path` readable by the owner only: a temporary file created 0600, then renamed.
fn write_private(path: &Path, data: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(&tmp)
        .with_context(|| format!("writing {}", tmp.display()))?;
    #[cfg(unix)]
    {
        // The mode applies only when the file is created; make sure of it.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    f.write_all(data)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_sealed_per_slot_and_files_are_private() {
        let dir = std::env::temp_dir().join(format!("spapi-profile-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut p = Profiles::open(&dir).unwrap();
        let sealed = p.seal("a", "refresh_token", "Atzr|secret").unwrap();
        assert!(!sealed.contains("Atzr"));
        assert_eq!(
            p.open_sealed("a", "refresh_token", &sealed).unwrap(),
            "Atzr|secret"
        );
        // Bound to its slot.
        assert!(p.open_sealed("b", "refresh_token", &sealed).is_err());
        assert!(p.open_sealed("a", "client_secret", &sealed).is_err());
        p.put(
            "a",
            Profile {
                refresh_token: Some(sealed),
                ..Profile::default()
            },
        );
        p.save().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode =
                |f: &str| std::fs::metadata(dir.join(f)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(FILE), 0o600);
            assert_eq!(mode(KEY_FILE), 0o600);
        }
        let again = Profiles::open(&dir).unwrap();
        assert_eq!(again.names(), vec!["a".to_string()]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
