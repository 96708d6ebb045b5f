using System.Text.Json;
using Demo.Game;
using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Online;

namespace Demo.Online;

/// <summary>A bot's player account: registers, logs in (getting its transport connect token), and cloud-saves its profile.</summary>
public sealed class BotAccount
{
    /// <summary>How long registering, then logging in, each waits out a busy or rate-limited backend.</summary>
    private static readonly TimeSpan SignUpWait = TimeSpan.FromSeconds(60);

    private readonly IAuthentication authentication;
    private readonly ICloudSave cloudSave;

    /// <summary>The cloud-save slot of the player profile.</summary>
    public const string ProfileSlot = "profile";

    private BotAccount(OnlineBackendClient connection, AuthSession session)
    {
        authentication = new HttpAuthentication(connection);
        cloudSave = new HttpCloudSave(connection);
        Session = session;
    }

    /// <summary>The login session (user id, tokens, transport connect token).</summary>
    public AuthSession Session { get; }

    /// <summary>Registers <paramref name="username"/> and logs in.</summary>
    public static async Task<BotAccount> CreateAsync(OnlineBackendClient connection, string username, CancellationToken cancellationToken)
    {
        var authentication = new HttpAuthentication(connection);
        string password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
        // Many bots registering at once exceed the node's hashing gate by design (503 busy with Retry-After): wait it out.
        await OnlineRetry.RunAsync(token => authentication.RegisterAsync(username, password, token), SignUpWait, null, cancellationToken).ConfigureAwait(false);
        var session = await OnlineRetry.RunAsync(token => authentication.LoginAsync(username, password, token), SignUpWait, null, cancellationToken).ConfigureAwait(false);
        return new BotAccount(connection, session);
    }

    /// <summary>Saves the profile after a match and reads it back; returns the stored version.</summary>
    public async Task<string> SaveProfileAsync(PilotResult result, CancellationToken cancellationToken)
    {
        var profile = new { name = Session.Username, lastScore = result.Score, kills = result.Kills, deaths = result.Deaths, shots = result.ShotsFired, savedAt = DateTimeOffset.UtcNow };
        byte[] data = JsonSerializer.SerializeToUtf8Bytes(profile);
        var entry = await cloudSave.PutAsync(Session.UserId, ProfileSlot, data, CloudSaveVersion.Any, cancellationToken).ConfigureAwait(false);
        var stored = await cloudSave.GetAsync(Session.UserId, ProfileSlot, cancellationToken).ConfigureAwait(false);
        if (stored is null || !stored.Data.AsSpan().SequenceEqual(data))
        {
            throw new OnlineException(OnlineError.Unavailable, $"The profile of {Session.Username} did not read back as saved.");
        }

        return entry.Version;
    }

    /// <summary>Ends the session on the backend.</summary>
    public Task LogoutAsync(CancellationToken cancellationToken) => authentication.LogoutAsync(Session.AccessToken, cancellationToken);

    /// <inheritdoc />
    public override string ToString() => $"{Session.Username} (user {Session.UserId})";
}
