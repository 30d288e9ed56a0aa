package ecomlake.sql;

import javax.security.sasl.AuthenticationException;
import org.apache.hive.service.auth.PasswdAuthenticationProvider;

/** {@code hive.server2.authentication=CUSTOM}: user and password checked against the users file. */
public final class PasswordAuthenticator implements PasswdAuthenticationProvider {
    @Override
    public void Authenticate(String user, String password) throws AuthenticationException {
        if (user == null || !Users.verify(user, password)) {
            // One message for unknown user and wrong password: do not tell which users exist.
            throw new AuthenticationException("wrong user name or password");
        }
    }
}
