using System.Security.Cryptography;
using System.Text;
using Traktor.Ecs.Net.Online.Security;

namespace Traktor.Ecs.Net.Backend;

/// <summary>
/// The checked secrets the backend runs with. Outside Development it refuses to start with an empty,
/// short or well-known key, so a forgotten setting can never ship as a guessable one.
/// </summary>
public sealed class BackendSecrets
{
    /// <summary>The signing key used in Development when none is configured; refused everywhere else.</summary>
    public const string DevelopmentSigningKey = "VHJha3Rvci1kZXZlbG9wbWVudC1zaWduaW5nLWtleS1ub3Qtc2VjcmV0IQ==";

    /// <summary>The server key used in Development when none is configured; refused everywhere else.</summary>
    public const string DevelopmentServerKey = "traktor-development-server-key";

    private const int MinServerKeyLength = 24;
    private readonly byte[][] _serverKeyHashes;

    private BackendSecrets(byte[] signingKey, IReadOnlyList<string> serverKeys)
    {
        SigningKey = signingKey;
        // Keys are compared as hashes, so the comparison takes the same time whatever the presented key's length.
        _serverKeyHashes = serverKeys.Select(key => SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToArray();
    }

    /// <summary>The access-token signing key.</summary>
    public byte[] SigningKey { get; }

    /// <summary>Checks the configured secrets and fills in Development defaults.</summary>
    /// <param name="options">The configured options.</param>
    /// <param name="isDevelopment">Whether the host runs in the Development environment.</param>
    /// <exception cref="InvalidOperationException">A secret is missing, weak or a known default outside Development.</exception>
    public static BackendSecrets Create(BackendOptions options, bool isDevelopment)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        string signingKeyText = options.TokenSigningKey;
        if (string.IsNullOrWhiteSpace(signingKeyText) && isDevelopment)
        {
            signingKeyText = DevelopmentSigningKey;
        }
        byte[] signingKey = [];
        try
        {
            signingKey = Convert.FromBase64String(signingKeyText ?? "");
        }
        catch (FormatException)
        {
            problems.Add("Online:TokenSigningKey is not valid base64.");
        }
        if (signingKey.Length < 32)
        {
            problems.Add("Online:TokenSigningKey must be base64 of at least 32 random bytes.");
        }
        var serverKeys = options.ServerKeys.Where(key => !string.IsNullOrWhiteSpace(key)).ToList();
        if (serverKeys.Count == 0 && isDevelopment)
        {
            serverKeys.Add(DevelopmentServerKey);
        }
        if (!isDevelopment)
        {
            if (signingKeyText == DevelopmentSigningKey)
            {
                problems.Add("Online:TokenSigningKey is the public Development key.");
            }
            if (serverKeys.Count == 0)
            {
                problems.Add("Online:ServerKeys must hold at least one key.");
            }
            if (serverKeys.Any(key => key == DevelopmentServerKey || key.Length < MinServerKeyLength))
            {
                problems.Add($"Every Online:ServerKeys entry must be at least {MinServerKeyLength} characters and not the Development key.");
            }
            if (options.PasswordHashIterations < PasswordHasher.ProductionMinimumIterations)
            {
                problems.Add($"Online:PasswordHashIterations must be at least {PasswordHasher.ProductionMinimumIterations}.");
            }
        }
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The online backend refuses to start: " + string.Join(" ", problems));
        }
        return new BackendSecrets(signingKey, serverKeys);
    }

    /// <summary>Whether a presented key is one of the configured server keys (constant time per key).</summary>
    /// <param name="presented">The header's value.</param>
    public bool IsServerKey(string? presented)
    {
        if (string.IsNullOrEmpty(presented) || presented.Length > 256)
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
}
