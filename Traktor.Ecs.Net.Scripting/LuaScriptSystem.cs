using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Scripting.Api;
using Traktor.Ecs.Net.Scripting.Rpc;
using Traktor.Ecs.Net.Scripting.Runtime;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Scripting;

/// <summary>
/// Runs Lua scripts inside a world, one system for all of them. Each tick (<see cref="Update"/>) it
/// resumes the entries whose network answers arrived, calls <c>Script:&lt;name&gt;(params, sender)</c> for
/// every script RPC received this tick, then <c>Script:update(dt)</c>. Put it after the
/// <see cref="NetworkServer"/>/<see cref="NetworkClient"/> in the group, so the tick's RPCs are there, and before the
/// <see cref="NetworkHost"/> a game's <see cref="ScriptServices.StartHosting"/> starts (its <see cref="BeforeUpdate"/> attaches
/// the session's relay before that host receives; <see cref="LuaHostingOrderException"/> when the host ticked first).
/// </summary>
/// <remarks>
/// Every script has its own sandboxed Lua state (see docs/SCRIPTING.md for the budgets). Script failures
/// are logged and kept in <see cref="LuaScript.Errors"/>; they never escape <see cref="Update"/>. A script unloaded (or
/// disposed with the system) while in a session leaves it, as its <c>multiplayer:leaveSession()</c> would; a session its
/// player hosts ends for everyone. <see cref="Unload"/> and <c>Dispose</c> leave what the scripts still send the session
/// directory (that leave, seats given back, a claim given back) to run in the background; a game that exits next unloads with <see cref="UnloadAsync"/> or disposes with
/// <see cref="DisposeAsync"/>, which wait for it within <see cref="LuaScriptOptions.UnloadWait"/>.
/// </remarks>
public sealed class LuaScriptSystem : BaseSystem<World, float>, IAsyncDisposable
{
    private readonly ScriptServices _services;
    private readonly LuaScriptOptions _options;
    private readonly ILogger _logger;
    private readonly ScriptNetwork _network;
    private readonly List<LuaScript> _scripts = new();
    private readonly Dictionary<LuaScript, MultiplayerApi> _multiplayers = new();
    private readonly ScriptRpcInbox _inbox = new();

    // What the scripts a Dispose closed still send the directory, for DisposeAsync (set once, by the first Dispose).
    private ScriptSends[] _disposedSends = [];

    /// <summary>Creates the system; load scripts with <see cref="Load"/>.</summary>
    /// <param name="world">The world the scripts run in (its network plugin and RPCs).</param>
    /// <param name="services">What the script API is bound to.</param>
    /// <param name="options">The sandbox's budgets; defaults when null. A copy is kept, checked here (changing the object afterwards changes nothing).</param>
    /// <param name="logger">Receives <c>log:info(…)</c> and script errors.</param>
    public LuaScriptSystem(World world, ScriptServices services, LuaScriptOptions? options = null, ILogger? logger = null)
        : base(world)
    {
        ArgumentNullException.ThrowIfNull(world);
        _services = services ?? throw new ArgumentNullException(nameof(services));
        // A copy, then validated: the caller changing its object later can neither undo the checks nor change these scripts.
        _options = options?.Snapshot() ?? new LuaScriptOptions();
        _options.Validate();
        _logger = logger ?? NullLogger.Instance;
        _network = new ScriptNetwork(world, _services.Time, _logger);
    }

    /// <summary>The loaded scripts, in load order.</summary>
    public IReadOnlyList<LuaScript> Scripts => _scripts;

    /// <summary>True once a player host sent this world's client the owners of its entities (what a successor hands back).</summary>
    internal bool HasHostOwners => _network.Replica.HasOwners;

    /// <summary>Loads a script file and runs its main chunk (which may wait on the network across ticks).</summary>
    /// <param name="path">The .lua file; its file name names the script in errors.</param>
    /// <returns>The script.</returns>
    /// <exception cref="LuaScriptException">The source does not compile (<see cref="ScriptErrorKind.Syntax"/>, with file and line).</exception>
    /// <exception cref="LuaNativeLibraryException">This platform has no native Lua library (see the exception's message).</exception>
    /// <exception cref="LuaCollationException">Native code in the process set a string collation other than "C" (see the exception's message).</exception>
    public LuaScript Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return LoadSource(Path.GetFileName(path), File.ReadAllText(path));
    }

    /// <summary>Loads a script from text and runs its main chunk; a runtime error there is reported like any other.</summary>
    /// <param name="name">The script's name, used as its file name in errors.</param>
    /// <param name="source">The Lua source (text only; binary chunks are refused).</param>
    /// <param name="globals">Globals to set before the main chunk runs.</param>
    /// <returns>The script.</returns>
    /// <exception cref="LuaScriptException">The source does not compile.</exception>
    /// <exception cref="LuaNativeLibraryException">This platform has no native Lua library.</exception>
    /// <exception cref="LuaCollationException">The process's string collation is not "C".</exception>
    public LuaScript LoadSource(string name, string source, IReadOnlyDictionary<string, ScriptValue>? globals = null)
    {
        var identity = new ScriptIdentity(_services);
        var multiplayer = new MultiplayerApi(_services, _options, identity, _network, _logger);
        var api = new HttpApi(_services, _options).Primitives()
            .Concat(new OnlineApi(_services, _options, identity).Primitives())
            .Concat(multiplayer.Primitives())
            .Concat(new NetConfigApi(_services).Primitives())
            .Concat(GameApi.Primitives(_services));
        var script = new LuaScript(name, source, _options, api, _logger, _services.Time);
        foreach (var (global, value) in globals ?? new Dictionary<string, ScriptValue>())
        {
            script.SetGlobal(global, value);
        }

        _scripts.Add(script);
        _multiplayers.Add(script, multiplayer);
        script.RunMain();
        return script;
    }

    /// <summary>Test hook: the host migration of <paramref name="script"/>, loaded here (its <see cref="ScriptMigration.GivingBack"/> tells when a stopped one is over), or null.</summary>
    internal ScriptMigration? MigrationOf(LuaScript script) => _multiplayers.GetValueOrDefault(script)?.Migration;

    /// <summary>
    /// Unloads a script: its waiting entries are dropped and its Lua state closed, and a session it is in is left as its
    /// <c>multiplayer:leaveSession()</c> leaves it: its connection closes and the directory is told, so the seat is free at
    /// once; a session its player hosts ends for everyone (its players get the host's final world while the game's host
    /// ticks on), as a disposed <see cref="Multiplayer"/> ends the one it hosts; it is not handed over. The world stays as it
    /// is. It does not wait for what the script's <c>multiplayer</c> still sends the session directory: that leave, a seat
    /// given back (a join given up, a session's end), a <c>leaveSession()</c> on its way, a host migration's claim given back
    /// (the leave follows it), a session a given-up <c>createSession</c> made left again. Those go on in the background, each within its own bound, and a process that exits first loses them (the
    /// directory keeps the seat until its idle sweep): <see cref="UnloadAsync"/> waits for them. Tick thread.
    /// </summary>
    /// <param name="script">A script of this system.</param>
    /// <returns>False when it was not loaded here.</returns>
    public bool Unload(LuaScript script) => Close(script) is not null;

    /// <summary>
    /// Unloads a script as <see cref="Unload"/> does (at once, on the calling tick thread: a session it is in is left, one its
    /// player hosts ended), then waits until what its <c>multiplayer</c> still sends the session directory is over (that
    /// leave, seats given back, a leave on its way, a claim given back), at most <see cref="LuaScriptOptions.UnloadWait"/> on <see cref="ScriptServices.Time"/>; past it, a warning says
    /// how many sends are still on their way, and they go on in the background. Never throws for what the directory did
    /// (failures are logged). A game that exits after unloading awaits this.
    /// </summary>
    /// <param name="script">A script of this system.</param>
    /// <returns>False when it was not loaded here (nothing is awaited).</returns>
    public async Task<bool> UnloadAsync(LuaScript script)
    {
        if (Close(script) is not { } sends)
        {
            return false;
        }

        await WaitForSendsAsync([sends]).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Disposes the system (every script unloaded, as <c>Dispose</c> does), then waits until what the scripts still send the
    /// session directory is over, at most <see cref="LuaScriptOptions.UnloadWait"/> on <see cref="ScriptServices.Time"/>
    /// (see <see cref="UnloadAsync"/>). After a <c>Dispose</c>, it waits for what that one left on its way.
    /// </summary>
    /// <returns>A task that completes once those sends are over, or the wait ran out.</returns>
    public async ValueTask DisposeAsync()
    {
        Dispose();
        await WaitForSendsAsync(_disposedSends).ConfigureAwait(false);
    }

    /// <summary>Unloads <paramref name="script"/>; returns what its multiplayer still sends, or null when it was not loaded here.</summary>
    private ScriptSends? Close(LuaScript script)
    {
        ArgumentNullException.ThrowIfNull(script);
        if (!_scripts.Remove(script))
        {
            return null;
        }

        _multiplayers.Remove(script, out var multiplayer);
        return Unloaded(script, multiplayer!);
    }

    /// <summary>Closes <paramref name="script"/> and leaves the session it is in; returns what it still sends the directory.</summary>
    private ScriptSends Unloaded(LuaScript script, MultiplayerApi multiplayer)
    {
        ReportUnhandledRpcs(script, final: true);
        multiplayer.Abandon();
        script.Dispose(); // its waiting calls are given up here: what they leave to send joins the multiplayer's sends
        multiplayer.LeaveUnloaded(); // after them: a join given up while it connected gave its seat back itself
        return multiplayer.Sends;
    }

    private async Task WaitForSendsAsync(ScriptSends[] scripts)
    {
        var pending = scripts.Length == 1 ? scripts[0].Pending() : Task.WhenAll(scripts.Select(sends => sends.Pending()));
        if (pending.IsCompleted || _options.UnloadWait == TimeSpan.Zero)
        {
            return; // nothing on its way, or the game chose not to wait (UnloadWait zero): no warning for its own choice
        }

        try
        {
            await pending.WaitAsync(_options.UnloadWait, _services.Time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("{Sends} sends to the session directory (seats given back, leaves) are still on their way after UnloadWait ({Seconds:0.###} s); "
                + "they go on in the background, and a process that exits now loses them (the directory frees such a seat once idle).",
                scripts.Sum(sends => sends.Count), _options.UnloadWait.TotalSeconds);
        }
    }

    /// <summary>
    /// Before the game's <see cref="NetworkHost"/> (ticked after this system) receives: the host the game's
    /// <see cref="ScriptServices.StartHosting"/> started gets the session's relay, and a takeover's world and handback are in place.
    /// </summary>
    /// <param name="state">The frame's delta time.</param>
    /// <exception cref="LuaHostingOrderException">The game's host received before this system ticked.</exception>
    public override void BeforeUpdate(in float state) => PrepareHosting();

    /// <inheritdoc />
    public override void Update(in float state)
    {
        PrepareHosting(); // again, for a game that ticks only Update
        var released = _network.Hosting.Released;
        foreach (var script in _scripts)
        {
            _multiplayers[script].Migration.Tick(script); // a lost player host: onHostLost, onHostMigrated, onHostMigrationFailed
            for (int i = 0; i < released.Count; i++) // by index: no enumerator per script and tick
            {
                script.Call("onPlayerReleasedAfterEnd", ScriptHosting.Describe(released[i])); // the world's host is every script's
            }

            script.LogBudget.Roll(); // reports the log lines dropped in a second that has ended
            script.Entries.Tick();
        }

        _network.Hosting.ClearReleased();
        DispatchRpcs();
        foreach (var script in _scripts)
        {
            script.CallUpdate(state);
        }
    }

    /// <summary>
    /// Unloads every script, as <see cref="Unload"/> does (each leaves the session it is in, a hosted one ends): it does not
    /// wait for what they still send the session directory (those leaves, seats given back, a claim given back), which goes on in the background; <see cref="DisposeAsync"/> waits for it.
    /// </summary>
    /// <param name="disposing">True when called from <c>Dispose()</c>.</param>
    protected override void Dispose(bool disposing)
    {
        if (disposing && _scripts.Count > 0)
        {
            var sends = new ScriptSends[_scripts.Count];
            for (int i = 0; i < _scripts.Count; i++)
            {
                sends[i] = Unloaded(_scripts[i], _multiplayers[_scripts[i]]);
            }

            _disposedSends = sends;
            _scripts.Clear();
            _multiplayers.Clear();
            // The relay on the game's host is not detached here: the session the unloads ended delivers its final world on
            // that host's own ticks (SessionRelay's end runs in its server's events), and detaching would cut the delivery
            // short. It goes with the host when the game disposes it; only the scripts' release callbacks let go now.
            _network.Hosting.StopListening();
        }

        base.Dispose(disposing);
    }

    private void PrepareHosting()
    {
        foreach (var script in _scripts)
        {
            _multiplayers[script].Migration.Prepare();
        }

        _network.Hosting.Update();
        if (_network.Hosting.TakeEndedByDirectory() is { } ended)
        {
            foreach (var script in _scripts)
            {
                _multiplayers[script].HostedSessionEnded(ended);
            }
        }
    }

    private void DispatchRpcs()
    {
        if (_services.Rpcs is not { } map || _scripts.Count == 0)
        {
            return;
        }

        foreach (var script in _scripts)
        {
            script.RpcHandlersThisTick = 0;
            script.RpcInstructionsThisTick = 0;
            script.RpcsUnhandledThisTick = 0;
        }

        // In rounds by sender, so clients sending at their rate limit cannot take every handler of the tick.
        _inbox.Collect(World, map.Bindings);
        foreach (var rpc in _inbox.InOrder)
        {
            var (binding, parameters, source) = (rpc.Binding, rpc.Parameters, rpc.Source);
            var sender = new ScriptTable()
                .With("connection", source.Connection.ToString())
                .With("isLocal", source.IsLocal);
            foreach (var script in _scripts)
            {
                if (!script.HasHandler(binding.Name))
                {
                    continue;
                }

                // A handler starts only while the tick's handlers have spent less than their budget together: each may spin to
                // its own InstructionBudget, and 64 of them held one tick for ~190 ms (docs/SCRIPTING.md, "What a tick may cost").
                if (script.RpcHandlersThisTick >= _options.MaxRpcHandlersPerTick || script.RpcInstructionsThisTick >= _options.RpcInstructionBudgetPerTick)
                {
                    script.RpcsUnhandledThisTick++;
                    _inbox.Unhandled(rpc);
                    continue;
                }

                script.RpcHandlersThisTick++;
                long charged = script.Entries.Charged;
                script.Call(binding.Name, parameters, sender);
                script.RpcInstructionsThisTick += script.Entries.Charged - charged;
            }
        }

        _inbox.EndTick();
        foreach (var script in _scripts)
        {
            script.UnhandledRpcs.Count(script.RpcsUnhandledThisTick);
            ReportUnhandledRpcs(script, final: false);
        }
    }

    private void ReportUnhandledRpcs(LuaScript script, bool final)
    {
        if (script.UnhandledRpcs.TryTake(out long rpcs, out int ticks, final))
        {
            string over = ticks == 1 ? "" : $" over {ticks} ticks (reported at most every {UnhandledRpcReport.Interval.TotalSeconds:0} s)";
            script.Report(new ScriptError(script.Name, script.Name, 0, ScriptErrorKind.Limit,
                $"{rpcs} RPCs arrived past the {_options.MaxRpcHandlersPerTick} handlers a tick may run (MaxRpcHandlersPerTick) or the {_options.RpcInstructionBudgetPerTick} instructions they may spend together (RpcInstructionBudgetPerTick) and were not handled{over}", "rpc"));
        }
    }
}
