using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Traktor.Ecs.Net.Online.Security;

/// <summary>
/// PBKDF2-HMAC-SHA256 password hashes in the self-describing form
/// <c>pbkdf2-sha256$iterations$salt$hash</c> (base64), so the iteration count can rise later and
/// old hashes still verify (and are re-hashed at the next login).
/// </summary>
public sealed class PasswordHasher
{
    /// <summary>The smallest iteration count accepted outside tests (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).</summary>
    public const int ProductionMinimumIterations = 600_000;

    private const string Scheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private const int MaxStoredIterations = 10_000_000;

    /// <summary>Creates a hasher.</summary>
    /// <param name="iterations">PBKDF2 iterations for new hashes.</param>
    /// <param name="allowBelowProductionMinimum">Only for tests that are not about hashing: accept fewer than <see cref="ProductionMinimumIterations"/>.</param>
    public PasswordHasher(int iterations = ProductionMinimumIterations, bool allowBelowProductionMinimum = false)
    {
        if (iterations < 1 || iterations > MaxStoredIterations)
        {
            throw new ArgumentOutOfRangeException(nameof(iterations), $"Iterations must be 1 to {MaxStoredIterations}.");
        }
        if (iterations < ProductionMinimumIterations && !allowBelowProductionMinimum)
        {
            throw new ArgumentOutOfRangeException(nameof(iterations),
                $"PBKDF2-SHA256 needs at least {ProductionMinimumIterations} iterations; fewer are allowed only in tests.");
        }
        Iterations = iterations;
    }

    /// <summary>The iteration count of new hashes.</summary>
    public int Iterations { get; }

    /// <summary>Hashes a password with a fresh random salt.</summary>
    /// <param name="password">The password.</param>
    public string Hash(string password)
    {
        byte[] salt = RandomNumberGenerator.GetBytes(SaltBytes);
        byte[] hash = Derive(password, salt, Iterations);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>Checks a password against a stored hash in constant time.</summary>
    /// <param name="password">The password to check.</param>
    /// <param name="storedHash">A hash made by <see cref="Hash"/>.</param>
    /// <param name="needsRehash">True when the password matched but the hash uses fewer iterations than <see cref="Iterations"/>.</param>
    /// <returns>Whether the password matches.</returns>
    public bool Verify(string password, string storedHash, out bool needsRehash)
    {
        needsRehash = false;
        string[] parts = storedHash.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int iterations)
            || iterations < 1 || iterations > MaxStoredIterations)
        {
            return false;
        }
        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            expected = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }
        byte[] actual = Derive(password, salt, iterations);
        bool matches = CryptographicOperations.FixedTimeEquals(actual, expected);
        needsRehash = matches && iterations < Iterations;
        return matches;
    }

    /// <summary>Spends the same time as a real verification, so a login for an unknown user is not faster than one with a wrong password.</summary>
    /// <param name="password">The password that was presented.</param>
    public void VerifyAgainstNothing(string password) => Derive(password, new byte[SaltBytes], Iterations);

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
}
