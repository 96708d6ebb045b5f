namespace Traktor.Ecs.Net.Online.Authentication;

/// <summary>
/// Failed-login limits. An account is locked after <see cref="MaxFailuresPerAccount"/> failures within
/// <see cref="FailureWindow"/>; an address after <see cref="MaxFailuresPerAddress"/> (higher, since many
/// players may share one NAT). Locked logins answer <see cref="OnlineError.RateLimited"/> with the time left.
/// </summary>
public sealed class LoginLockoutPolicy
{
    /// <summary>Failures of one account that lock it.</summary>
    public int MaxFailuresPerAccount { get; init; } = 5;

    /// <summary>Failures from one address that lock it.</summary>
    public int MaxFailuresPerAddress { get; init; } = 20;

    /// <summary>The window failures are counted in.</summary>
    public TimeSpan FailureWindow { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a lockout lasts.</summary>
    public TimeSpan LockoutDuration { get; init; } = TimeSpan.FromMinutes(15);
}
