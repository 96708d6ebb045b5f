using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Scripting;

/// <summary>
/// What the script API is bound to. Each part is optional: a call whose service is missing fails with
/// a message naming it (a script on a dedicated server has no <c>context.online</c> login, for example).
/// The host owns every object here.
/// </summary>
public sealed class ScriptServices
{
    /// <summary>The most arguments a <see cref="ScriptFunction"/> receives; a call with more fails.</summary>
    public const int MaxGameArguments = 16;

    /// <summary>
    /// The game's own functions, callable from scripts as <c>game.&lt;name&gt;(…)</c>: how a bot brain reads
    /// its ship and steers, or a game rule awards points. Names are Lua identifiers. A function that
    /// throws fails the script's call with the exception's message at the script's line.
    /// </summary>
    public IReadOnlyDictionary<string, ScriptFunction>? Game { get; init; }

    /// <summary>The client behind <c>context.net:createHttpClient()</c>.</summary>
    public HttpClient? Http { get; init; }

    /// <summary>
    /// Host names <c>http:get</c> may reach (case-insensitive); null allows any host. A script server
    /// should list its hosts: an open HTTP client lets a mod probe the server's network.
    /// </summary>
    public IReadOnlyCollection<string>? AllowedHttpHosts { get; init; }

    /// <summary><c>online:login</c>.</summary>
    public IAuthentication? Authentication { get; init; }

    /// <summary>
    /// When true, <c>online:login(username, password)</c> creates the account first when its name is free
    /// (<see cref="IAuthentication.RegisterOrLogInAsync"/>, as <see cref="MultiplayerAccount.RegisterIfMissing"/> does for
    /// the <see cref="Multiplayer"/> facade). The seed's API has no call that registers: a game whose players sign up by
    /// logging in (guests, bots, a LAN party) sets this instead of registering each new player itself, and a new player's
    /// first login is then no failed login against its address. A name taken by another account with another password is
    /// refused as a wrong password (<c>success = false</c>, <c>code = "Unauthorized"</c>).
    /// </summary>
    public bool RegisterIfMissing { get; init; }

    /// <summary><c>online:submitScore</c>, <c>online:getLeaderboard</c>.</summary>
    public ILeaderboards? Leaderboards { get; init; }

    /// <summary><c>online:unlockAchievement</c>, <c>online:getAchievements</c>.</summary>
    public IAchievements? Achievements { get; init; }

    /// <summary>The session directory behind <c>multiplayer:createSession/joinSession/leaveSession</c>.</summary>
    public ISessions? Sessions { get; init; }

    /// <summary>
    /// Makes this player's game able to host: when set, <c>multiplayer:createSession(name, max)</c> creates a session hosted
    /// by this player (<see cref="IPlayerHostedSessions"/>, which <see cref="Sessions"/> must implement) and calls this with
    /// the directory's grant, on a pool thread; the game starts its <see cref="NetworkHost"/> with the grant's key and
    /// registers the rendezvous (a <see cref="PlayerSessionHost"/> does the directory part). The call's third argument
    /// chooses per call: <c>"player"</c> or <c>"server"</c> (a game server of the fleet); without this hook only
    /// <c>"server"</c> is possible. When it throws, the call fails and the player leaves the session again, which ends it
    /// (<c>PlayerHosting.CreateSessionAsync</c> (<see cref="PlayerHosting"/>), as <see cref="Multiplayer"/>'s hosting does). After a host migration
    /// whose successor is this player it is called again with the claim's grant, on the tick thread, to host the scripts'
    /// world: the <see cref="NetworkHost"/> it starts on that world hands the players their entities back (docs/SCRIPTING.md,
    /// "Host migration").
    /// <para>
    /// The task's result is the <see cref="PlayerSessionHost"/> the game started for the session (null when it runs none):
    /// the scripts feed the departures its heartbeats hear of (<see cref="PlayerSessionHost.MemberLeft"/>) to the session's
    /// relay on the game's host, which disconnects a player that left through the directory (from another device, or removed)
    /// and raises <see cref="PlayerLeft"/>, as a <see cref="Multiplayer"/>'s host does. Do not also call
    /// <see cref="PlayerSessionHost.Attach"/>: the relay is the scripts'.
    /// </para>
    /// <para>
    /// The <see cref="CancellationToken"/> says when the scripts no longer want what the call starts; stop it all then (the
    /// <see cref="NetworkHost"/>, the <see cref="PlayerSessionHost"/>: register on the token, which runs the callback at once
    /// when it is cancelled already). For a takeover it is cancelled when the migration stops before the takeover attached
    /// (the script unloaded, the <see cref="LuaScriptSystem"/> disposed, <c>leaveSession()</c>), also after the returned task
    /// completed, and when the takeover refuses what the call started (the task failed, or the host received before the
    /// system attached, <see cref="LuaHostingOrderException"/>); the callbacks run before the stop (<see cref="LuaScriptSystem.Unload"/>,
    /// Dispose) returns. It is never cancelled once the takeover attached: that hosting is the game's, stopped when it
    /// disposes the host or the <see cref="PlayerSessionHost"/> turns <see cref="PlayerSessionHost.Replaced"/>. For
    /// <c>createSession(.., "player")</c> it is the call's: cancelled when the call is given up before the script has the
    /// session (its script unloaded, or <see cref="LuaScriptOptions.CallTimeout"/> passed); a hook that fails then makes the
    /// player leave the session, which ends it.
    /// </para>
    /// </summary>
    public Func<PlayerHostGrant, CancellationToken, Task<PlayerSessionHost?>>? StartHosting { get; init; }

    /// <summary>
    /// The NAT traversal layer under the world's <see cref="NetworkClient"/> socket, if it has one:
    /// <c>multiplayer:joinSession</c> of a player-hosted session presents the session's rendezvous to it and waits for a
    /// punched or relayed path to the host before connecting (<see cref="Sessions.SessionConnector"/>, as
    /// <see cref="Multiplayer.JoinSessionAsync"/> does with <see cref="MultiplayerOptions.Traversal"/>). Without it the client
    /// connects to the host's address directly.
    /// </summary>
    public NatTraversal? Traversal { get; init; }

    /// <summary>
    /// The player the session calls act for when no <c>online:login</c> happened (after a login, the
    /// logged-in user's id is used).
    /// </summary>
    public ulong PlayerId { get; init; }

    /// <summary>The display name sent with a session join when no login happened.</summary>
    public string PlayerName { get; init; } = "";

    /// <summary>The script RPCs: <c>multiplayer:rpc(name, params)</c> and the <c>Script:&lt;name&gt;</c> handlers.</summary>
    public ScriptRpcMap? Rpcs { get; init; }

    /// <summary>Where <c>netConfig.logPackets = true</c> records packets (pcapng); null refuses the setting.</summary>
    public ScriptPacketLog? PacketLog { get; init; }

    /// <summary>The clock for call timeouts and connection waits.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
