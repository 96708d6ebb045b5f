namespace Traktor.Ecs.Net.Online.Security;

/// <summary>The cost of an Argon2id password hash (parallelism is always 1, as libsodium computes it).</summary>
/// <param name="MemoryKiB">Memory per hash, in KiB; at least <see cref="Production"/>'s 19,456 (19 MiB) outside tests.</param>
/// <param name="Passes">Passes over that memory; at least 2 outside tests.</param>
public sealed record Argon2Settings(int MemoryKiB, int Passes)
{
    /// <summary>The smallest memory libsodium accepts, in KiB.</summary>
    public const int MinMemoryKiB = 8;

    /// <summary>OWASP's minimum for Argon2id (2023): 19 MiB, 2 passes, parallelism 1. The default.</summary>
    public static Argon2Settings Production { get; } = new(19 * 1024, 2);

    /// <summary>The cheapest settings, only for tests that are not about hashing.</summary>
    public static Argon2Settings FastestForTests { get; } = new(MinMemoryKiB, 1);

    /// <summary>Refuses settings libsodium would reject, or (unless allowed) below <see cref="Production"/>.</summary>
    /// <param name="allowBelowProductionMinimum">Whether weaker settings are allowed (tests only).</param>
    /// <exception cref="ArgumentOutOfRangeException">The settings are out of range.</exception>
    public void Check(bool allowBelowProductionMinimum)
    {
        if (MemoryKiB is < MinMemoryKiB or > 1 << 20 || Passes is < 1 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryKiB), $"Argon2id needs {MinMemoryKiB} KiB to 1 GiB of memory and 1 to 16 passes.");
        }
        if (!allowBelowProductionMinimum && (MemoryKiB < Production.MemoryKiB || Passes < Production.Passes))
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryKiB),
                $"Argon2id needs at least {Production.MemoryKiB} KiB and {Production.Passes} passes; less is allowed only in tests.");
        }
    }
}
