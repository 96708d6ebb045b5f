using System.Security.Cryptography;
using Traktor.Ecs.Net.Online.Authentication;
using Traktor.Ecs.Net.Online.CloudSave;
using Traktor.Ecs.Net.Online.Security;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>The settings every harness runs the services with, so the contract tests can rely on them.</summary>
internal static class OnlineTestSettings
{
    /// <summary>Cheap on purpose: these tests are not about hashing cost (PasswordHasherTests is, at the production settings).</summary>
    public static readonly Argon2Settings FastHashing = Argon2Settings.FastestForTests;

    /// <summary>The production defaults, written out so tests can count on them.</summary>
    public static readonly LoginThrottlePolicy Throttle = new()
    {
        FreeFailuresPerAccountAndAddress = 5,
        FreeFailuresPerAddress = 20,
        FreeFailuresPerAccount = 10,
        FirstDelay = TimeSpan.FromSeconds(1),
        MaxDelay = TimeSpan.FromMinutes(15),
    };
    public static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan RefreshTokenLifetime = TimeSpan.FromDays(30);

    public static readonly CloudSaveOptions CloudSave = new() { MaxSlotsPerPlayer = 8, MaxBytesPerSlot = 64 * 1024, MaxBytesPerPlayer = 256 * 1024 };

    /// <summary>Small, so the contract tests can pass it; no other test holds more than ten keys per player and board.</summary>
    public const int MaxIdempotencyKeysPerPlayer = 16;

    /// <summary>A time well inside a day, week and month, so tests that cross period boundaries know where they stand.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 4, 12, 0, 0, TimeSpan.Zero);

    public static AuthenticationOptions Authentication(byte[]? signingKey = null) => new()
    {
        TokenSigningKey = signingKey ?? RandomNumberGenerator.GetBytes(32),
        AccessTokenLifetime = AccessTokenLifetime,
        RefreshTokenLifetime = RefreshTokenLifetime,
        PasswordHashing = FastHashing,
        AllowWeakPasswordHashingForTests = true,
        LoginThrottle = Throttle,
    };

    public static string TempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "traktor-online-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public static void DeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a pooled connection is left for the OS's temp cleanup; it does not affect results.
        }
    }
}
