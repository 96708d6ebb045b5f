using System.Diagnostics;
using Demo.Bots;
using Demo.Game;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Demo.Fleet;

/// <summary>
/// A bot of the fleet demo: a <see cref="BotClient"/> whose <see cref="Traktor.Ecs.Net.Multiplayer"/> logs in and quick-joins
/// through the session directory, like a player pressing "play". When its session ends under it (its server crashed), it
/// is told why and quick-joins again; both moments are kept for the report.
/// </summary>
public sealed class FleetBot : IDisposable
{
    private readonly ILogger logger;
    private readonly Stopwatch clock;
    private readonly HttpClient http;
    private readonly SessionOptions session;
    private readonly Lock gate = new();
    private Task? joining;
    private bool stopped;

    /// <summary>Creates the bot (not yet joined).</summary>
    /// <param name="index">Its number (seeds its brain).</param>
    /// <param name="name">Its account name.</param>
    /// <param name="password">Its account's password (<see cref="FleetRun.BotPassword"/>).</param>
    /// <param name="backend">The backend's address.</param>
    /// <param name="session">What quick-join creates when no session has room.</param>
    /// <param name="conditions">Its simulated link.</param>
    /// <param name="clock">The run's clock (the report's times).</param>
    /// <param name="logger">Diagnostics.</param>
    /// <param name="transport">What it connects over (<c>--transport</c>): it skips the token's addresses of other kinds.</param>
    public FleetBot(int index, string name, string password, Uri backend, SessionOptions session, LinkConditions conditions, Stopwatch clock, ILogger logger,
        TransportKind transport = TransportKind.Udp)
    {
        this.logger = logger;
        this.clock = clock;
        this.session = session;
        http = new HttpClient { BaseAddress = backend, Timeout = TimeSpan.FromSeconds(30) };
        var connection = new OnlineBackendClient(http);
        Directory = new HttpSessions(connection);
        Multiplayer? multiplayer = null;
        Client = new BotClient(index, name, conditions, insecure: false, logger, transport, sessions: network => multiplayer = Multiplayer.OverBackend(
            network, connection, new MultiplayerAccount(name, password, RegisterIfMissing: true),
            new MultiplayerOptions { DefaultSession = session }, TimeProvider.System, logger));
        Multiplayer = multiplayer!;
        Multiplayer.SessionEnded += OnSessionEnded;
    }

    /// <summary>The game client.</summary>
    public BotClient Client { get; }

    /// <summary>The session facade.</summary>
    public Multiplayer Multiplayer { get; }

    /// <summary>The session directory as this player sees it (its login's bearer token, once logged in).</summary>
    public HttpSessions Directory { get; }

    /// <summary>
    /// The backend's refusal to register this bot's account (its address registered its accounts for the day), or null.
    /// The bot then stops trying: the next permit is an hour or more away, past any run.
    /// </summary>
    public OnlineException? RegistrationRefused { get; private set; }

    /// <summary>Quick-joins that failed and were tried again.</summary>
    public int FailedJoins { get; private set; }

    /// <summary>Sessions it has played in, in order.</summary>
    public List<SessionInfo> Sessions { get; } = new();

    /// <summary>Session ends it was told about: when (run seconds), why, and when it played again (or null).</summary>
    public List<SessionLoss> Losses { get; } = new();

    /// <summary>A copy of <see cref="Losses"/> taken under the lock its session-end handler and its joins write it under.</summary>
    public IReadOnlyList<SessionLoss> LossesSoFar()
    {
        lock (gate)
        {
            return Losses.ToList();
        }
    }

    /// <summary>Whether it is connected to the game server of a session.</summary>
    public bool Playing => Multiplayer.CurrentSession is not null && Client.Transport.State == ClientState.Connected;

    /// <summary>Starts a quick-join (and keeps trying until it is in a session or <see cref="Stop"/> is called).</summary>
    public void Join()
    {
        lock (gate)
        {
            if (stopped || joining is { IsCompleted: false })
            {
                return;
            }

            joining = JoinUntilPlayingAsync();
        }
    }

    /// <summary>No more joins (the run is over).</summary>
    public void Stop()
    {
        lock (gate)
        {
            stopped = true;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Client.Dispose();
        http.Dispose();
    }

    private async Task JoinUntilPlayingAsync()
    {
        for (int refused = 0; ; refused++)
        {
            lock (gate)
            {
                if (stopped)
                {
                    return;
                }
            }

            try
            {
                var joined = await Multiplayer.QuickJoinAsync(new SessionFilter { NameContains = session.Name }).ConfigureAwait(false);
                lock (gate)
                {
                    Sessions.Add(joined);
                    if (Losses.Count > 0 && Losses[^1].PlayingAgainAt is null)
                    {
                        Losses[^1] = Losses[^1] with { PlayingAgainAt = clock.Elapsed.TotalSeconds, NewServerId = joined.ServerId };
                    }
                }

                return;
            }
            catch (OnlineException exception) when (exception.ProblemType == OnlineProblemTypes.RegistrationLimited)
            {
                RegistrationRefused = exception;
                logger.LogError("{Bot}: the backend registers no more accounts from this address today (Online:AccountsPerAddressPerDay); " +
                    "reuse accounts with --accounts NAME or raise the setting for a load test (docs/demo.md)", Client.Name);
                return;
            }
            catch (Exception exception) when (exception is SessionJoinException or OnlineException or HttpRequestException or TaskCanceledException)
            {
                FailedJoins++;
                // As the backend says (Retry-After), backing off with jitter: a crowd of bots asking again every 200 ms
                // while the backend answered "busy" used to spend its address's failed logins and lock the rest out.
                var wait = OnlineRetry.NextWait((exception as OnlineException)?.RetryAfter, refused, Random.Shared.NextDouble());
                logger.LogWarning("{Bot}: quick-join failed ({Message}); trying again in {Wait:F1} s", Client.Name, exception.Message, wait.TotalSeconds);
                await Task.Delay(wait).ConfigureAwait(false);
            }
        }
    }

    private void OnSessionEnded(SessionInfo ended, SessionEndReason reason)
    {
        lock (gate)
        {
            Losses.Add(new SessionLoss(ended.Id.ToString(), ended.ServerId ?? "", reason, clock.Elapsed.TotalSeconds, null, null));
        }

        Join();
    }
}

/// <summary>A session that ended under a bot.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="ServerId">The game server it ran on.</param>
/// <param name="Reason">What the bot was told.</param>
/// <param name="ToldAt">Run seconds when it was told.</param>
/// <param name="PlayingAgainAt">Run seconds when it was connected in another session, or null.</param>
/// <param name="NewServerId">Where it plays now.</param>
public sealed record SessionLoss(string SessionId, string ServerId, SessionEndReason Reason, double ToldAt, double? PlayingAgainAt, string? NewServerId);
