package ecomlake.sql;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Properties;
import java.util.Set;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The endpoint's users, roles and salted PBKDF2 password hashes, read from the 0600 properties
 * file the platform writes (its path in the system property {@code ecomlake.sql.users}, set by
 * {@code --hiveconf}); re-read when it changes, so a new password needs no restart.
 */
final class Users {
    static final String FILE_PROPERTY = "ecomlake.sql.users";
    private static Properties cached = new Properties();
    private static String cachedStamp = "";

    private Users() {}

    static synchronized Properties current() {
        String file = System.getProperty(FILE_PROPERTY);
        if (file == null) {
            throw new IllegalStateException("system property " + FILE_PROPERTY + " (the users file) is not set");
        }
        Path path = Paths.get(file);
        try {
            // Full-precision modification time and size: a rewritten file is seen at once.
            String stamp = Files.getLastModifiedTime(path) + "/" + Files.size(path);
            if (!stamp.equals(cachedStamp)) {
                Properties loaded = new Properties();
                try (InputStream in = Files.newInputStream(path)) {
                    loaded.load(in);
                }
                cached = loaded;
                cachedStamp = stamp;
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the users file " + file, e);
        }
        return cached;
    }

    /** Whether the password matches the user's stored PBKDF2-HMAC-SHA256 hash. */
    static boolean verify(String user, String password) {
        Properties users = current();
        String salt = users.getProperty("user." + user + ".salt");
        String hash = users.getProperty("user." + user + ".pbkdf2_sha256");
        if (salt == null || hash == null || password == null) {
            return false;
        }
        byte[] expected = HexFormat.of().parseHex(hash);
        int iterations = Integer.parseInt(users.getProperty("pbkdf2.iterations"));
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), HexFormat.of().parseHex(salt), iterations,
                expected.length * 8);
        try {
            byte[] actual = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            return MessageDigest.isEqual(actual, expected);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } finally {
            spec.clearPassword();
        }
    }

    /** The user's role; users the file does not list (e.g. from LDAP) get the default role. */
    static String role(String user) {
        Properties users = current();
        return users.getProperty("user." + user + ".role", users.getProperty("default.role", ""));
    }

    /** Schemas the role may read, or {@code null} for every schema ("*"). */
    static Set<String> openSchemas(String role) {
        String schemas = current().getProperty("role." + role + ".schemas", "");
        if (schemas.trim().equals("*")) {
            return null;
        }
        Set<String> open = new LinkedHashSet<>();
        Arrays.stream(schemas.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(open::add);
        return open;
    }

    /** Why a schema is closed to analysts, for the error message. */
    static String reason(String schema) {
        return current().getProperty("schema." + schema + ".reason", "not open to this role");
    }
}
