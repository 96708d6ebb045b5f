namespace Traktor.Ecs.Net.Online.Authentication;

/// <summary>
/// How failed logins slow further attempts down, without ever locking an account's owner out. Failures are counted
/// under three keys: the account from this address (the address's IPv6 /64), the address across all accounts, and
/// the account across all addresses. Each key allows some free failures; after those, each further failure makes the
/// next attempt under that key wait twice as long as the last, from <see cref="FirstDelay"/> up to <see cref="MaxDelay"/>.
/// An attempt during a wait is refused at once (<see cref="OnlineError.RateLimited"/>, with the time left) without
/// checking the password, so it costs no hashing and teaches nothing.
/// </summary>
/// <remarks>
/// An address the account has logged in from successfully within <see cref="KnownAddressLifetime"/> is
/// <em>known-good</em> for it: there only the per-account-and-address key applies. So an attacker who fails from
/// elsewhere, or sprays many accounts from a shared address, delays themself and strangers but never the owner on
/// their usual address.
/// </remarks>
public sealed class LoginThrottlePolicy
{
    /// <summary>Failures of one account from one address before delays start.</summary>
    public int FreeFailuresPerAccountAndAddress { get; init; } = 5;

    /// <summary>Failures from one address (over all accounts, unknown names included) before delays start there; higher, since many players share a NAT.</summary>
    public int FreeFailuresPerAddress { get; init; } = 20;

    /// <summary>Failures of one account from addresses that are not known-good for it before delays start (a distributed guess).</summary>
    public int FreeFailuresPerAccount { get; init; } = 10;

    /// <summary>The first delay after the free failures.</summary>
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay; later failures keep it there.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Failures are forgotten once none happened for this long under a key (longer than <see cref="MaxDelay"/>, so waiting out the longest delay does not reset the count).</summary>
    public TimeSpan FailureMemory { get; init; } = TimeSpan.FromDays(1);

    /// <summary>How long a successful login makes its address known-good for the account.</summary>
    public TimeSpan KnownAddressLifetime { get; init; } = TimeSpan.FromDays(30);

    /// <summary>The delay after <paramref name="failures"/> failures with <paramref name="free"/> free, or zero.</summary>
    internal TimeSpan DelayAfter(long failures, int free)
    {
        long beyond = failures - free;
        if (beyond <= 0)
        {
            return TimeSpan.Zero;
        }
        // 2^(beyond-1) times the first delay, computed without overflow.
        double factor = beyond > 62 ? double.MaxValue : Math.Pow(2, beyond - 1);
        double ticks = Math.Min(MaxDelay.Ticks, FirstDelay.Ticks * factor);
        return TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count is below 1 or a duration is not positive.</exception>
    internal void Check()
    {
        if (FreeFailuresPerAccountAndAddress < 1 || FreeFailuresPerAddress < 1 || FreeFailuresPerAccount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(FreeFailuresPerAccountAndAddress), "Free failures must be 1 or more.");
        }
        if (FirstDelay <= TimeSpan.Zero || MaxDelay < FirstDelay || FailureMemory <= MaxDelay || KnownAddressLifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(FirstDelay), "Delays must be positive, MaxDelay at least FirstDelay, and FailureMemory longer than MaxDelay.");
        }
    }
}
