using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// Shared plumbing of the contract tests: every contract runs unchanged on the embedded SQLite store,
/// on PostgreSQL, and through the HTTP backend, so all three must behave alike.
/// </summary>
public abstract class OnlineContract<THarness> where THarness : IOnlineHarness, new()
{
    protected const string Password = "correct horse battery";

    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Starts the services; with <paramref name="seedUsers"/> accounts "seed1"… already registered, so user ids 1…N exist (scores need an account).</summary>
    protected static async Task<OnlineTestContext> StartAsync(int seedUsers = 0)
    {
        var time = new FakeTimeProvider(OnlineTestSettings.Start);
        var online = await new THarness().StartAsync(time, new TestConnectTokenIssuer(time));
        for (int i = 1; i <= seedUsers; i++)
        {
            var account = await online.Authentication.RegisterAsync($"seed{i}", Password, Cancel);
            Assert.Equal(i, account.UserId);
        }
        return online;
    }

    protected static async Task<OnlineException> AssertErrorAsync(OnlineError expected, Func<Task> action)
    {
        var exception = await Assert.ThrowsAsync<OnlineException>(action);
        Assert.Equal(expected, exception.Error);
        return exception;
    }

    protected static async Task<long[]> RegisterPlayersAsync(OnlineTestContext online, int count, string prefix = "player")
    {
        var ids = new long[count];
        for (int i = 0; i < count; i++)
        {
            ids[i] = (await online.Authentication.RegisterAsync($"{prefix}{i}", Password, Cancel)).UserId;
        }
        return ids;
    }
}
