package ecomlake.pii;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.spark.sql.api.java.UDF2;

/**
 * HMAC-SHA256 token of a string as 64 lowercase hex characters; null stays null.
 *
 * <p>The second argument says where the key is, never what it is: {@code env:NAME} (the executor's
 * environment) or {@code file:PATH} (a key file). The key is read here, on the executor, so it is
 * not a literal of any Spark plan, the Spark UI or EXPLAIN output.
 */
public final class HmacSha256 implements UDF2<String, String, String> {
    private static final long serialVersionUID = 1L;
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    /** A {@link Mac} is not thread-safe: one per task thread and key source. */
    private static final ThreadLocal<Map<String, Mac>> MACS = ThreadLocal.withInitial(HashMap::new);

    @Override
    public String call(String value, String keySource) {
        if (value == null) {
            return null;
        }
        byte[] digest = MACS.get().computeIfAbsent(keySource, HmacSha256::mac)
                .doFinal(value.getBytes(StandardCharsets.UTF_8));
        char[] out = new char[digest.length * 2];
        for (int i = 0; i < digest.length; i++) {
            out[2 * i] = HEX[(digest[i] >> 4) & 0xF];
            out[2 * i + 1] = HEX[digest[i] & 0xF];
        }
        return new String(out);
    }

    private static Mac mac(String keySource) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key(keySource), "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot key HMAC-SHA256 from " + keySource, e);
        }
    }

    /** The key's UTF-8 bytes, as ecomlake.pii reads them: an environment value as is, a file stripped. */
    private static byte[] key(String keySource) {
        String text;
        if (keySource.startsWith("env:")) {
            text = System.getenv(keySource.substring(4));
            if (text == null || text.isEmpty()) {
                throw new IllegalStateException(keySource.substring(4) + " is not set in this executor's environment");
            }
        } else if (keySource.startsWith("file:")) {
            try {
                text = Files.readString(Path.of(keySource.substring(5)), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the HMAC key file " + keySource, e);
            }
        } else {
            throw new IllegalArgumentException("key source must be env:NAME or file:PATH, not " + keySource);
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
