using System.Text.RegularExpressions;
using KeraLua;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Scripting.Runtime;

namespace Traktor.Ecs.Net.Scripting;

/// <summary>Error reporting: every failure becomes a <see cref="ScriptError"/> with file and line, logged and kept.</summary>
public sealed partial class LuaScript
{
    private const string SandboxPrefix = "sandbox: ";
    private const string LimitPrefix = LuaValues.LimitPrefix;

    /// <summary>The most bytes of a script's error message that are read, logged and kept; the rest is cut.</summary>
    internal const int MaxErrorMessageBytes = 1024;

    private bool _firstErrorAnnounced;

    [GeneratedRegex(@"^(?<file>[^\n]*?):(?<line>\d+): (?<message>.*)$", RegexOptions.Singleline)]
    private static partial Regex LocatedMessage();

    internal void Report(ScriptError error)
    {
        while (_errors.Count >= Options.MaxKeptErrors)
        {
            _errors.Dequeue();
        }

        _errors.Enqueue(error);

        // Without a logger a failing script would be silent (a typo in update() looks like a script that does
        // nothing): its first error is written once to the standard error, with where the others go.
        if (_logger is NullLogger && !_firstErrorAnnounced)
        {
            _firstErrorAnnounced = true;
            Console.Error.WriteLine($"Traktor.Ecs.Net.Scripting: script {error.Script} failed: {error.File}:{error.Line}: {error.Kind}: {error.Message} (in {error.Entry}). "
                + "Shown once per script; LuaScript.Errors keeps the errors, LuaScript.Failed reports each, and an ILogger passed to LuaScriptSystem logs them with log:info and print output.");
        }

        _logger.LogWarning("Script {Script} failed: {File}:{Line}: {Kind}: {Message} (in {Entry})", error.Script, error.File, error.Line, error.Kind, error.Message, error.Entry);
        try
        {
            Failed?.Invoke(error);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "A Failed handler of script {Script} threw", Name);
        }
    }

    /// <summary>A value the host handed the script that the host's side refused (<see cref="LuaValues.Push"/>), as the script's own refusal reads.</summary>
    internal ScriptError HostError(ScriptCallException refused, string entry) =>
        new(Name, Name, 0, Classify(refused.Message), WithoutLimitPrefix(refused.Message), entry);

    internal void ReportFailure(EntryThread entry, LuaStatus status) => Report(Describe(entry.Thread, status, entry.Name, entry));

    /// <summary>Where the innermost script code on <paramref name="thread"/>'s stack is, from <paramref name="level"/> up.</summary>
    internal (string File, int Line) Locate(Lua thread, int level)
    {
        var debug = default(LuaDebug);
        for (; level < 200 && thread.GetStack(level, ref debug) != 0; level++)
        {
            thread.GetInfo("Sl", ref debug);
            if (debug.CurrentLine > 0 && debug.Source is not (SandboxChunk or ApiChunk))
            {
                return (debug.ShortSource, debug.CurrentLine);
            }
        }

        return (Name, 0);
    }

    // The error object is on top of the thread's stack (lua_resume leaves the failed stack in place,
    // so the debug API can still walk it).
    private ScriptError Describe(Lua thread, LuaStatus status, string entryName, EntryThread? entry)
    {
        thread.RawGetInteger(LuaRegistry.Index, AbortReference);
        bool aborted = thread.RawEqual(-1, -2);
        thread.Pop(1);
        // An entry whose memory the allocator refused because it was spent (LuaMemory.Meter) failed with a memory
        // error before the count hook could abort it: it ran out of a budget, not of memory.
        aborted |= entry is { SpentInAllocation: true } && (status == LuaStatus.ErrMem || IsMemoryErrorText(thread));
        if (aborted)
        {
            var (file, line) = entry?.AbortedAt ?? Locate(thread, 0);
            return entry is { OutOfTime: true }
                ? new ScriptError(Name, file, line, ScriptErrorKind.TimeBudget,
                    $"ran longer than {Options.TimeBudget.TotalMilliseconds:0.#} ms in one tick", entryName)
                : new ScriptError(Name, file, line, ScriptErrorKind.InstructionBudget,
                    $"more than {Options.InstructionBudget} instructions in one tick", entryName);
        }

        if (thread.Type(-1) != LuaType.String)
        {
            var (file, line) = Locate(thread, 0);
            var kind = status == LuaStatus.ErrMem ? ScriptErrorKind.Memory : ScriptErrorKind.Runtime;
            return new ScriptError(Name, file, line, kind, $"(error object is a {thread.TypeName(thread.Type(-1))} value)", entryName);
        }

        // Only the start of a long message is kept: a script can raise a string of its whole memory limit (16 MiB) from
        // every entry of every tick, and copying each whole would cost twice its size as UTF-16, logged and kept (64 of them).
        string text = LuaValues.ReadStringPrefix(thread, -1, MaxErrorMessageBytes, out long length);
        if (length > MaxErrorMessageBytes)
        {
            text += $"… ({length} bytes, cut to {MaxErrorMessageBytes})";
        }
        if (status == LuaStatus.ErrMem || text == "not enough memory")
        {
            var (file, line) = Locate(thread, 0);
            if (_memory.RefusedString > 0)
            {
                return new ScriptError(Name, file, line, ScriptErrorKind.Limit, LuaValues.TooLong(_memory.RefusedString, Options.MaxLuaStringBytes), entryName);
            }

            return new ScriptError(Name, file, line, ScriptErrorKind.Memory,
                $"not enough memory (the script's limit is {Options.MemoryLimitBytes} bytes)", entryName);
        }

        var match = LocatedMessage().Match(text);
        if (match.Success && match.Groups["file"].Value is not ("[sandbox]" or "[api]"))
        {
            string message = match.Groups["message"].Value;
            return new ScriptError(Name, match.Groups["file"].Value, int.Parse(match.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture),
                Classify(message), WithoutLimitPrefix(message), entryName);
        }

        var (where, at) = Locate(thread, 0);
        string bare = match.Success ? match.Groups["message"].Value : text;
        return new ScriptError(Name, where, at, Classify(bare), WithoutLimitPrefix(bare), entryName);
    }

    private static bool IsMemoryErrorText(Lua thread) =>
        thread.Type(-1) == LuaType.String && LuaValues.ReadString(thread, -1) == "not enough memory";

    private static string WithoutLimitPrefix(string message) =>
        message.StartsWith(LimitPrefix, StringComparison.Ordinal) ? message[LimitPrefix.Length..] : message;

    private static ScriptErrorKind Classify(string message) =>
        message.StartsWith(SandboxPrefix, StringComparison.Ordinal) ? ScriptErrorKind.Sandbox
        : message.StartsWith(LimitPrefix, StringComparison.Ordinal) ? ScriptErrorKind.Limit
        : ScriptErrorKind.Runtime;
}
