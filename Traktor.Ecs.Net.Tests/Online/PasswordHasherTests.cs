using System.Diagnostics;
using Traktor.Ecs.Net.Online.Security;

namespace Traktor.Ecs.Net.Tests.Online;

public sealed class PasswordHasherTests
{
    [Fact]
    public void The_production_hasher_uses_PBKDF2_SHA256_with_at_least_600000_iterations()
    {
        var hasher = new PasswordHasher();
        Assert.Equal(600_000, hasher.Iterations);
        string hash = hasher.Hash("correct horse battery");
        Assert.StartsWith("pbkdf2-sha256$600000$", hash);
        Assert.True(hasher.Verify("correct horse battery", hash, out bool needsRehash));
        Assert.False(needsRehash);
        Assert.False(hasher.Verify("correct horse batterx", hash, out _));
    }

    [Fact]
    public void Fewer_iterations_are_refused_unless_a_test_asks_for_them()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PasswordHasher(599_999));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Traktor.Ecs.Net.Online.Authentication.AuthenticationService(
            new Traktor.Ecs.Net.Online.Storage.SqliteOnlineDatabase(Path.Combine(OnlineTestSettings.TempDirectory(), "h.db")),
            new Traktor.Ecs.Net.Online.Authentication.AuthenticationOptions { TokenSigningKey = new byte[32], PasswordHashIterations = 1000 }));
        Assert.Equal(1000, new PasswordHasher(1000, allowBelowProductionMinimum: true).Iterations);
    }

    [Fact]
    public void Salts_differ_and_weaker_hashes_verify_but_ask_for_a_rehash()
    {
        var weak = new PasswordHasher(1000, allowBelowProductionMinimum: true);
        Assert.NotEqual(weak.Hash("same password"), weak.Hash("same password"));
        var stronger = new PasswordHasher(2000, allowBelowProductionMinimum: true);
        Assert.True(stronger.Verify("same password", weak.Hash("same password"), out bool needsRehash));
        Assert.True(needsRehash);
    }

    [Theory]
    [InlineData("")]
    [InlineData("pbkdf2-sha256$1000$AAAA")]
    [InlineData("md5$1000$AAAA$AAAA")]
    [InlineData("pbkdf2-sha256$-1$AAAA$AAAA")]
    [InlineData("pbkdf2-sha256$99999999$AAAA$AAAA")]
    [InlineData("pbkdf2-sha256$1000$!!!!$AAAA")]
    public void Malformed_stored_hashes_never_verify(string stored)
    {
        Assert.False(new PasswordHasher(1000, allowBelowProductionMinimum: true).Verify("anything", stored, out _));
    }

    [Fact]
    public void An_unknown_user_costs_as_much_as_a_wrong_password()
    {
        var hasher = new PasswordHasher(100_000, allowBelowProductionMinimum: true);
        string hash = hasher.Hash("password one");
        // The fastest of a few runs each, so a descheduled run on a busy machine does not decide the outcome.
        double wrong = Fastest(() => hasher.Verify("password two", hash, out _));
        double unknown = Fastest(() => hasher.VerifyAgainstNothing("password two"));
        // Same work (100,000 iterations); a generous band absorbs scheduling noise on a shared machine.
        Assert.InRange(unknown, wrong / 4, wrong * 4);
    }

    private static double Fastest(Action action)
    {
        double best = double.MaxValue;
        for (int run = 0; run < 3; run++)
        {
            var clock = Stopwatch.StartNew();
            action();
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
        }
        return best;
    }
}
