using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace Traktor.Ecs.Net.Online.Security;

/// <summary>
/// Password hashes in self-describing strings. New hashes are Argon2id (libsodium through NSec.Cryptography):
/// <c>argon2id$v=19$m=MEMORY_KIB,t=PASSES,p=1$salt$hash</c> (base64). Hashes made by earlier versions,
/// <c>pbkdf2-sha256$iterations$salt$hash</c>, still verify and report <c>needsRehash</c>, so each account moves to
/// Argon2id at its next login; so does an Argon2id hash made with less memory or fewer passes than configured.
/// </summary>
/// <remarks>
/// Argon2id is memory-hard: each guess costs an attacker <see cref="Argon2Settings.MemoryKiB"/> of memory as well as
/// time, which GPUs and ASICs pay dearly for, where PBKDF2 costs only time. At OWASP's minimum (19 MiB, 2 passes) a
/// hash takes a few tens of milliseconds of one core, several times less CPU than PBKDF2-SHA256 at 600,000 iterations.
/// </remarks>
public sealed class PasswordHasher
{
    private const string Argon2Scheme = "argon2id";
    private const string Pbkdf2Scheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private const int MaxStoredIterations = 10_000_000;
    private const int MaxStoredMemoryKiB = 1 << 20; // 1 GiB: a stored hash cannot make us allocate more

    private readonly PasswordBasedKeyDerivationAlgorithm _argon2;

    /// <summary>Tests: called with the cost (memory in KiB, passes, output bytes) of every Argon2id derivation, before it runs.</summary>
    internal Action<int, int, int>? DerivationObserver { get; set; }

    /// <summary>Creates a hasher.</summary>
    /// <param name="settings">Argon2id cost of new hashes.</param>
    /// <param name="allowBelowProductionMinimum">Only for tests that are not about hashing: accept less than <see cref="Argon2Settings.Production"/>.</param>
    public PasswordHasher(Argon2Settings settings, bool allowBelowProductionMinimum = false)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Check(allowBelowProductionMinimum);
        Settings = settings;
        _argon2 = Algorithm(settings.MemoryKiB, settings.Passes);
    }

    /// <summary>The cost of new hashes.</summary>
    public Argon2Settings Settings { get; }

    /// <summary>Hashes a password with a fresh random salt.</summary>
    /// <param name="password">The password.</param>
    public string Hash(string password)
    {
        byte[] salt = RandomNumberGenerator.GetBytes(SaltBytes);
        byte[] hash = Derive(_argon2, Settings.MemoryKiB, Settings.Passes, password, salt, HashBytes);
        return string.Create(CultureInfo.InvariantCulture,
            $"{Argon2Scheme}$v=19$m={Settings.MemoryKiB},t={Settings.Passes},p=1${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>Checks a password against a stored hash in constant time.</summary>
    /// <param name="password">The password to check.</param>
    /// <param name="storedHash">A hash made by <see cref="Hash"/> or by an earlier version.</param>
    /// <param name="needsRehash">True when the password matched but the hash is not Argon2id at the current settings.</param>
    /// <returns>Whether the password matches.</returns>
    public bool Verify(string password, string storedHash, out bool needsRehash)
    {
        needsRehash = false;
        string[] parts = storedHash.Split('$');
        byte[] actual;
        byte[] expected;
        bool current;
        try
        {
            if (parts.Length == 5 && parts[0] == Argon2Scheme && parts[1] == "v=19" && TryReadArgon2Parameters(parts[2], out int memoryKiB, out int passes))
            {
                byte[] salt = Convert.FromBase64String(parts[3]);
                expected = Convert.FromBase64String(parts[4]);
                if (salt.Length != SaltBytes || expected.Length is < 16 or > 64)
                {
                    return false;
                }
                actual = Derive(Algorithm(memoryKiB, passes), memoryKiB, passes, password, salt, expected.Length);
                current = memoryKiB >= Settings.MemoryKiB && passes >= Settings.Passes;
            }
            else if (parts.Length == 4 && parts[0] == Pbkdf2Scheme
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int iterations) && iterations is >= 1 and <= MaxStoredIterations)
            {
                byte[] salt = Convert.FromBase64String(parts[2]);
                expected = Convert.FromBase64String(parts[3]);
                actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
                current = false;
            }
            else
            {
                return false;
            }
        }
        catch (FormatException)
        {
            return false;
        }
        bool matches = CryptographicOperations.FixedTimeEquals(actual, expected);
        needsRehash = matches && !current;
        return matches;
    }

    /// <summary>Spends the same time and memory as a real verification, so a login for an unknown user is not faster than one with a wrong password.</summary>
    /// <param name="password">The password that was presented.</param>
    public void VerifyAgainstNothing(string password) => Derive(_argon2, Settings.MemoryKiB, Settings.Passes, password, new byte[SaltBytes], HashBytes);

    private byte[] Derive(PasswordBasedKeyDerivationAlgorithm argon2, int memoryKiB, int passes, string password, byte[] salt, int length)
    {
        DerivationObserver?.Invoke(memoryKiB, passes, length);
        return argon2.DeriveBytes(Encoding.UTF8.GetBytes(password), salt, length);
    }

    private static bool TryReadArgon2Parameters(string text, out int memoryKiB, out int passes)
    {
        memoryKiB = passes = 0;
        string[] fields = text.Split(',');
        return fields.Length == 3
            && fields[0].StartsWith("m=", StringComparison.Ordinal) && int.TryParse(fields[0].AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out memoryKiB)
            && fields[1].StartsWith("t=", StringComparison.Ordinal) && int.TryParse(fields[1].AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out passes)
            && fields[2] == "p=1"
            && memoryKiB is >= Argon2Settings.MinMemoryKiB and <= MaxStoredMemoryKiB && passes is >= 1 and <= 16;
    }

    private static PasswordBasedKeyDerivationAlgorithm Algorithm(int memoryKiB, int passes)
    {
        var parameters = new Argon2Parameters { DegreeOfParallelism = 1, MemorySize = memoryKiB, NumberOfPasses = passes };
        return PasswordBasedKeyDerivationAlgorithm.Argon2id(in parameters);
    }
}
