using System.Security.Cryptography;
using System.Text;
using Traktor.Ecs.Net.Online.Security;

namespace Traktor.Ecs.Net.Backend.Configuration;

/// <summary>
/// The checked secrets the backend runs with. Keys are compared as the bytes they decode to, never as the text that
/// was configured, so whitespace, padding or base64url spelling cannot smuggle a known key past the checks. Outside
/// Development the backend refuses to start with a missing, short, low-entropy or well-known key.
/// </summary>
public sealed class BackendSecrets
{
    /// <summary>The signing key used in Development when none is configured; refused everywhere else, in any spelling.</summary>
    public const string DevelopmentSigningKey = "VHJha3Rvci1kZXZlbG9wbWVudC1zaWduaW5nLWtleS1ub3Qtc2VjcmV0IQ==";

    /// <summary>The server key used in Development when none is configured; refused everywhere else, in any case or padding.</summary>
    public const string DevelopmentServerKey = "traktor-development-server-key";

    /// <summary>The shortest accepted server key, in characters.</summary>
    public const int MinServerKeyLength = 24;

    /// <summary>The shortest accepted signing key, in bytes.</summary>
    public const int MinSigningKeyBytes = 32;

    private const int MaxServerKeyLength = 256;
    private readonly byte[][] _serverKeyHashes;

    private BackendSecrets(byte[] signingKey, IReadOnlyList<byte[]> previousSigningKeys, IReadOnlyList<string> serverKeys)
    {
        SigningKey = signingKey;
        PreviousSigningKeys = previousSigningKeys;
        // Keys are compared as hashes, so the comparison takes the same time whatever the presented key's length.
        _serverKeyHashes = serverKeys.Select(key => SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToArray();
    }

    /// <summary>The key that signs new access tokens.</summary>
    public byte[] SigningKey { get; }

    /// <summary>Earlier signing keys, still accepted when checking tokens (key rotation).</summary>
    public IReadOnlyList<byte[]> PreviousSigningKeys { get; }

    /// <summary>Checks the configured secrets and fills in Development defaults.</summary>
    /// <param name="options">The configured options.</param>
    /// <param name="isDevelopment">Whether the host runs in the Development environment.</param>
    /// <exception cref="BackendConfigurationException">A secret is missing, malformed, weak or a known default outside Development.</exception>
    public static BackendSecrets Create(BackendOptions options, bool isDevelopment)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        string signingKeyText = string.IsNullOrWhiteSpace(options.TokenSigningKey) && isDevelopment ? DevelopmentSigningKey : options.TokenSigningKey;
        byte[] signingKey = ReadKey("Online:TokenSigningKey", signingKeyText, isDevelopment, problems);
        var previous = new List<byte[]>();
        for (int i = 0; i < options.PreviousTokenSigningKeys.Count; i++)
        {
            previous.Add(ReadKey($"Online:PreviousTokenSigningKeys:{i}", options.PreviousTokenSigningKeys[i], isDevelopment, problems));
        }

        var serverKeys = new List<string>();
        int problemsBeforeServerKeys = problems.Count;
        for (int i = 0; i < options.ServerKeys.Count; i++)
        {
            if (ReadServerKey($"Online:ServerKeys:{i}", options.ServerKeys[i], isDevelopment, problems) is { } key)
            {
                serverKeys.Add(key);
            }
        }
        if (serverKeys.Count == 0 && problems.Count == problemsBeforeServerKeys)
        {
            if (isDevelopment)
            {
                serverKeys.Add(DevelopmentServerKey);
            }
            else
            {
                problems.Add("Online:ServerKeys must hold at least one key.");
            }
        }
        if (!isDevelopment && (options.PasswordHashMemoryKiB < Argon2Settings.Production.MemoryKiB || options.PasswordHashPasses < Argon2Settings.Production.Passes))
        {
            problems.Add($"Online:PasswordHashMemoryKiB must be at least {Argon2Settings.Production.MemoryKiB} and Online:PasswordHashPasses at least {Argon2Settings.Production.Passes}.");
        }
        if (problems.Count > 0)
        {
            throw new BackendConfigurationException("The online backend refuses to start: " + string.Join(" ", problems));
        }
        return new BackendSecrets(signingKey, previous.Where(key => !key.AsSpan().SequenceEqual(signingKey)).ToList(), serverKeys);
    }

    /// <summary>Decodes a key written as base64 or base64url (whitespace and padding ignored) into its bytes.</summary>
    /// <param name="text">The configured text.</param>
    /// <returns>The bytes, or null when the text is not base64.</returns>
    public static byte[]? DecodeKey(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var compact = new StringBuilder(text.Length + 3);
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                continue;
            }
            compact.Append(c switch { '-' => '+', '_' => '/', _ => c });
        }
        string trimmed = compact.ToString().TrimEnd('=');
        if (trimmed.Length == 0 || trimmed.Length % 4 == 1)
        {
            return null;
        }
        string padded = trimmed + new string('=', (4 - trimmed.Length % 4) % 4);
        byte[] bytes = new byte[padded.Length / 4 * 3];
        return Convert.TryFromBase64String(padded, bytes, out int written) ? bytes[..written] : null;
    }

    /// <summary>Whether a presented key is one of the configured server keys (constant time per key).</summary>
    /// <param name="presented">The header's value.</param>
    public bool IsServerKey(string? presented)
    {
        if (string.IsNullOrEmpty(presented) || presented.Length > MaxServerKeyLength)
        {
            return false;
        }
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        bool match = false;
        foreach (byte[] known in _serverKeyHashes)
        {
            match |= CryptographicOperations.FixedTimeEquals(hash, known);
        }
        return match;
    }

    private static byte[] ReadKey(string name, string? text, bool isDevelopment, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            problems.Add($"{name} is required (base64 of at least {MinSigningKeyBytes} random bytes, for example from `openssl rand -base64 32`).");
            return [];
        }
        byte[]? key = DecodeKey(text);
        if (key is null)
        {
            problems.Add($"{name} is not valid base64.");
            return [];
        }
        if (isDevelopment)
        {
            return key;
        }
        if (key.AsSpan().SequenceEqual(DecodeKey(DevelopmentSigningKey)))
        {
            problems.Add($"{name} is the public Development key.");
        }
        else if (key.Length < MinSigningKeyBytes)
        {
            problems.Add($"{name} must be base64 of at least {MinSigningKeyBytes} random bytes (it has {key.Length}).");
        }
        else if (KeyStrength.IsPrintableText(key) || KeyStrength.EstimatedBits<byte>(key) < KeyStrength.MinSigningKeyBits)
        {
            problems.Add($"{name} does not look random (generate it with `openssl rand -base64 32`).");
        }
        return key;
    }

    private static string? ReadServerKey(string name, string? text, bool isDevelopment, List<string> problems)
    {
        // Configuration files and environment variables pick up stray spaces and newlines; the key is what is between them.
        string key = (text ?? "").Trim();
        if (key.Length == 0)
        {
            return null;
        }
        if (key.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || key.Length > MaxServerKeyLength)
        {
            problems.Add($"{name} must be at most {MaxServerKeyLength} characters without spaces or control characters.");
            return null;
        }
        if (isDevelopment)
        {
            return key;
        }
        if (key.Equals(DevelopmentServerKey, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{name} is the public Development key.");
        }
        else if (key.Length < MinServerKeyLength || KeyStrength.EstimatedBits(key.AsSpan()) < KeyStrength.MinServerKeyBits)
        {
            problems.Add($"{name} must be at least {MinServerKeyLength} characters of random text (for example `openssl rand -base64 24`).");
        }
        return key;
    }
}
