using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Authentication;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// A process that only submits scores (a game server embedding the services over the shared database) needs no token
/// signing key: <see cref="OnlineServicesOptions.Authentication"/> may be left out. Issuing or checking an access token
/// there fails with <see cref="TokenSigningKeyMissingException"/>, before any work, naming the setting. It was a required
/// setting, so such a process had to hold the backend's signing key (with which it could mint any player's token).
/// </summary>
public sealed class ScoreOnlyServicesTests : IAsyncLifetime
{
    private const string Password = "correct horse battery";
    private readonly FakeTimeProvider time = new(OnlineTestSettings.Start);
    private readonly string folder = OnlineTestSettings.TempDirectory();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private string DatabasePath => Path.Combine(folder, "online.db");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        OnlineTestSettings.DeleteDirectory(folder);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task A_game_server_without_the_signing_key_submits_scores_and_is_told_clearly_it_cannot_issue_or_check_tokens()
    {
        // The backend holds the key: players register and log in there.
        await using var backend = await OnlineServices.OpenAsync(new SqliteOnlineDatabase(DatabasePath, SqliteDurability.Normal),
            new OnlineServicesOptions { Authentication = OnlineTestSettings.Authentication(), Time = time }, Cancel);
        var alice = await backend.Authentication.RegisterAsync("alice", Password, Cancel);
        var signedIn = await backend.Authentication.LoginAsync("alice", Password, Cancel);

        // The game server: the same database, no Authentication settings at all.
        await using var server = await OnlineServices.OpenAsync(new SqliteOnlineDatabase(DatabasePath, SqliteDurability.Normal),
            new OnlineServicesOptions { Time = time }, Cancel);
        await server.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("weekly"), Cancel);
        await server.Leaderboards.SubmitScoreAsync(new ScoreSubmission("weekly", alice.UserId, 900, IdempotencyKey: "match-1"), Cancel);
        var top = await backend.Leaderboards.GetLeaderboardAsync("weekly", 0, 10, cancellationToken: Cancel);
        Assert.Equal(900, Assert.Single(top.Entries).Score);

        // Tokens need the key: logging in, refreshing, checking or logging out a token fail typed, naming the setting.
        var login = await Assert.ThrowsAsync<TokenSigningKeyMissingException>(() => server.Authentication.LoginAsync("alice", Password, Cancel));
        Assert.Contains("OnlineServicesOptions.Authentication", login.Message, StringComparison.Ordinal);
        Assert.Contains("TokenSigningKey", login.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<InvalidOperationException>(login);
        await Assert.ThrowsAsync<TokenSigningKeyMissingException>(() => server.Authentication.RefreshAsync(signedIn.RefreshToken, Cancel));
        var check = await Assert.ThrowsAsync<TokenSigningKeyMissingException>(() => server.Authentication.ValidateAccessTokenAsync(signedIn.AccessToken, Cancel));
        Assert.Contains("verify", check.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<TokenSigningKeyMissingException>(() => server.Authentication.LogoutAsync(signedIn.AccessToken, Cancel));
        Assert.False(server.Authentication.HasSigningKey);
        Assert.True(backend.Authentication.HasSigningKey);

        // Nothing was spent or changed: the refresh token the server could not use still refreshes at the backend.
        var refreshed = await backend.Authentication.RefreshAsync(signedIn.RefreshToken, Cancel);
        Assert.Equal(alice.UserId, refreshed.UserId);
    }
}
