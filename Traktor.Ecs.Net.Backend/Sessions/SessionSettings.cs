using System.Globalization;
using Traktor.Ecs.Net.Online.Sessions;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Backend.Sessions;

/// <summary>
/// The session directory's settings, bound as <see cref="Configuration.BackendOptions.Sessions"/> from <c>Online:Sessions</c>
/// (appsettings.json, <c>Online__Sessions__…</c>, or <c>--Online:Sessions:…</c>). Without <see cref="GameServerKey"/> the
/// directory is off and its routes answer 503.
/// </summary>
public sealed class SessionSettings
{
    /// <summary>Base64 of the 32-byte key shared with the game servers (their transport's private key). Empty turns the directory off.</summary>
    public string GameServerKey { get; set; } = "";

    /// <summary>The game's protocol id, decimal or 0x-prefixed hexadecimal.</summary>
    public string ProtocolId { get; set; } = "0";

    /// <summary>How long a join's connect token is valid, in seconds.</summary>
    public int TokenLifetimeSeconds { get; set; } = 30;

    /// <summary>Seconds of silence after which client and game server drop a connection (carried in tokens).</summary>
    public int ConnectionTimeoutSeconds { get; set; } = 10;

    /// <summary>How often game servers heartbeat, in milliseconds.</summary>
    public int HeartbeatIntervalMs { get; set; } = 1000;

    /// <summary>Silence after which a game server is declared dead, in milliseconds.</summary>
    public int DeadAfterMs { get; set; } = 5000;

    /// <summary>How often each backend node sweeps (deaths, idle seats, empty sessions), in milliseconds; 0 means half the heartbeat interval.</summary>
    public int SweepIntervalMs { get; set; }

    /// <summary>Seconds a live session may stay empty before it ends.</summary>
    public int EmptySessionTimeoutSeconds { get; set; } = 60;

    /// <summary>Seconds a member may go unreported by its game server before its seat is released.</summary>
    public int MemberIdleTimeoutSeconds { get; set; } = 60;

    /// <summary>Live sessions one player may have created at once.</summary>
    public int MaxSessionsPerPlayer { get; set; } = 2;

    /// <summary>Ended sessions one player created that are kept until deleted: <see cref="SessionDirectoryOptions.EndedSessionsKeptPerPlayer"/>.</summary>
    public int EndedSessionsKeptPerPlayer { get; set; } = 16;

    /// <summary>Game servers the fleet keeps at once, ended ones included until deleted: <see cref="SessionDirectoryOptions.MaxGameServers"/>.</summary>
    public int MaxGameServers { get; set; } = 10_000;

    /// <summary>
    /// How long a player host must be silent before its first successor may take it over after a host migration, in
    /// milliseconds (the n-th successor waits n times as long): <see cref="SessionDirectoryOptions.HostClaimAfter"/>.
    /// </summary>
    public int HostClaimAfterMs { get; set; } = 2000;

    /// <summary>
    /// How much longer a player host that has not published its address since its takeover must be silent before a
    /// successor may claim past it, in milliseconds: <see cref="SessionDirectoryOptions.HostPublishGrace"/>.
    /// </summary>
    public int HostPublishGraceMs { get; set; } = 5000;

    /// <summary>The sweep interval in force.</summary>
    public TimeSpan SweepInterval => TimeSpan.FromMilliseconds(SweepIntervalMs > 0 ? SweepIntervalMs : Math.Max(50, HeartbeatIntervalMs / 2));

    /// <summary>The directory options these settings describe, or null when the directory is off.</summary>
    /// <returns>The options.</returns>
    /// <exception cref="Configuration.BackendConfigurationException">A value is malformed or out of range (the backend refuses to start).</exception>
    public SessionDirectoryOptions? ToOptions()
    {
        if (string.IsNullOrWhiteSpace(GameServerKey))
        {
            return null;
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(GameServerKey.Trim());
        }
        catch (FormatException)
        {
            throw new Configuration.BackendConfigurationException("The online backend refuses to start: Online:Sessions:GameServerKey is not valid base64.");
        }

        if (key.Length != 32)
        {
            throw new Configuration.BackendConfigurationException("The online backend refuses to start: Online:Sessions:GameServerKey must decode to exactly 32 bytes.");
        }

        string id = ProtocolId.Trim();
        bool parsed = id.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(id[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong protocol)
            : ulong.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out protocol);
        if (!parsed)
        {
            throw new Configuration.BackendConfigurationException("The online backend refuses to start: Online:Sessions:ProtocolId must be a decimal or 0x-hexadecimal 64-bit number.");
        }

        try
        {
            var options = new SessionDirectoryOptions
            {
                Tokens = new SessionTokenOptions
                {
                    ServerKey = key,
                    ProtocolId = protocol,
                    TokenLifetime = TimeSpan.FromSeconds(TokenLifetimeSeconds),
                    ConnectionTimeoutSeconds = ConnectionTimeoutSeconds,
                },
                HeartbeatInterval = TimeSpan.FromMilliseconds(HeartbeatIntervalMs),
                DeadAfter = TimeSpan.FromMilliseconds(DeadAfterMs),
                EmptySessionTimeout = TimeSpan.FromSeconds(EmptySessionTimeoutSeconds),
                MemberIdleTimeout = TimeSpan.FromSeconds(MemberIdleTimeoutSeconds),
                MaxSessionsPerPlayer = MaxSessionsPerPlayer,
                MaxGameServers = MaxGameServers,
                EndedSessionsKeptPerPlayer = EndedSessionsKeptPerPlayer,
                HostClaimAfter = TimeSpan.FromMilliseconds(HostClaimAfterMs),
                HostPublishGrace = TimeSpan.FromMilliseconds(HostPublishGraceMs),
            };
            options.Validate();
            return options;
        }
        catch (ArgumentException exception)
        {
            // One line, as every other configuration error: an out-of-range message adds "Actual value was …" on a line of its own.
            string reason = exception.Message.ReplaceLineEndings(" ");
            throw new Configuration.BackendConfigurationException($"The online backend refuses to start: Online:Sessions is invalid ({reason})", exception);
        }
    }
}
