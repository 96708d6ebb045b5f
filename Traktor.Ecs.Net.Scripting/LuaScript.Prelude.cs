using KeraLua;
using Traktor.Ecs.Net.Scripting.Runtime;
using Traktor.Ecs.Net.Scripting.Sandbox;

namespace Traktor.Ecs.Net.Scripting;

/// <summary>
/// The prelude: the embedded Lua chunks that build the sandbox (sandbox.lua, patterns.lua) and the API (api.lua) in a new
/// state before the script's own chunk loads, and the host functions they are handed.
/// </summary>
public sealed partial class LuaScript
{
    // Chunk names of the prelude: an error's location skips their frames for the script's own line (LuaScript.Errors).
    private const string SandboxChunk = "=[sandbox]";
    private const string ApiChunk = "=[api]";

    private void RunPrelude(IEnumerable<KeyValuePair<string, ScriptPrimitive>> api)
    {
        // sandbox.lua receives the host table and returns its private pieces.
        LoadResource("sandbox.lua", SandboxChunk);
        _lua.CreateTable(0, 4);
        AddFunction(_lua, "overBudget", OverBudget);
        AddFunction(_lua, "charge", Charge);
        AddFunction(_lua, "enter", Enter);
        _lua.PushBoolean(false);
        CurrentThreadReference = _lua.Ref(LuaRegistry.Index);
        AddPrimitive(_lua, "log", "print", Log);
        LuaValues.PushString(_lua, "hookInterval");
        _lua.PushInteger(Options.HookInterval);
        _lua.RawSet(-3);
        CallPrelude(1, 1);
        int prelude = _lua.GetTop();
        RunReference = TakeField("run");
        EntryReference = TakeField("entry");
        PendingReference = TakeField("PENDING");
        AbortReference = TakeField("ABORT");
        LuaValues.PushString(_lua, "await");
        _lua.RawGet(-2);
        int await = _lua.GetTop();

        // patterns.lua receives the budgeted pattern scanner and the abort.
        LoadResource("patterns.lua", SandboxChunk);
        var scanner = new PatternScanner(this);
        _functions.Add(scanner.Scan);
        _lua.PushCFunction(_functions[^1]);
        LuaValues.PushString(_lua, "abort");
        _lua.RawGet(prelude);
        CallPrelude(2, 0);

        // api.lua receives the API primitives and await.
        LoadResource("api.lua", ApiChunk);
        _lua.CreateTable(0, 16);
        AddPrimitive(_lua, "log", "log", Log);
        foreach (var (name, primitive) in api)
        {
            AddPrimitive(_lua, name, name, primitive);
        }

        _lua.PushCopy(await);
        CallPrelude(2, 0);
        _lua.SetTop(0);
    }

    private int TakeField(string name)
    {
        LuaValues.PushString(_lua, name);
        _lua.RawGet(-2);
        return _lua.Ref(LuaRegistry.Index);
    }

    private void LoadResource(string resource, string chunk)
    {
        using var stream = typeof(LuaScript).Assembly.GetManifestResourceStream("Traktor.Ecs.Net.Scripting." + resource)
            ?? throw new InvalidOperationException($"The embedded {resource} is missing.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        if (_lua.LoadBuffer(buffer.ToArray(), chunk, "t") != LuaStatus.OK)
        {
            throw new InvalidOperationException($"{resource} does not compile: {_lua.ToString(-1, false)}");
        }
    }

    private void CallPrelude(int arguments, int results)
    {
        if (_lua.PCall(arguments, results, 0) != LuaStatus.OK)
        {
            throw new InvalidOperationException($"The scripting prelude failed: {_lua.ToString(-1, false)}");
        }
    }

    private void AddPrimitive(Lua table, string key, string function, ScriptPrimitive primitive) =>
        AddFunction(table, key, state => Invoke(state, function, primitive));

    private void AddFunction(Lua table, string key, LuaFunction function)
    {
        _functions.Add(function);
        LuaValues.PushString(table, key);
        table.PushCFunction(function);
        table.RawSet(-3);
    }
}
