using System.Runtime.InteropServices;
using System.Text;
using KeraLua;

namespace Traktor.Ecs.Net.Scripting.Runtime;

/// <summary>
/// Moves <see cref="ScriptValue"/>s between .NET and a Lua stack with raw operations only: no
/// metamethod runs and nothing can raise a Lua error (which would longjmp across these frames).
/// </summary>
internal static class LuaValues
{
    /// <summary>The prefix that makes a raised message a <see cref="ScriptErrorKind.Limit"/> error (removed from the kept message).</summary>
    public const string LimitPrefix = "limit: ";

    // Strings of at most this many UTF-16 units (3 UTF-8 bytes each at most) are encoded on the stack when pushed.
    private const int StackEncodedChars = 128;

    /// <summary>What the Lua side raises, and <see cref="LuaScript.Errors"/> keeps, for a string over <see cref="LuaScriptOptions.MaxLuaStringBytes"/>.</summary>
    public static string TooLong(long length, long maxStringBytes) =>
        $"a string of {length} bytes is longer than MaxLuaStringBytes ({maxStringBytes})";

    /// <summary>
    /// Pushes a value the host hands a script; tables recursively. Every string in it (keys too) must fit
    /// <paramref name="maxStringBytes"/> (<see cref="LuaScriptOptions.MaxLuaStringBytes"/>) as UTF-8: its length is counted
    /// before it is encoded, so a longer one is never built, in .NET or in Lua.
    /// </summary>
    /// <exception cref="ScriptCallException">The Lua stack cannot grow (nesting too deep), or a string is longer (a
    /// <c>limit:</c> message, <see cref="ScriptErrorKind.Limit"/>). Part of the value may be on the stack: the caller restores its top.</exception>
    public static void Push(Lua lua, in ScriptValue value, long maxStringBytes)
    {
        if (!lua.CheckStack(3))
        {
            throw new ScriptCallException("the value nests too deeply");
        }

        switch (value.Kind)
        {
            case ScriptValueKind.Boolean:
                lua.PushBoolean(value.AsBoolean);
                break;
            case ScriptValueKind.Integer:
                lua.PushInteger(value.AsInteger);
                break;
            case ScriptValueKind.Number:
                lua.PushNumber(value.AsNumber);
                break;
            case ScriptValueKind.String:
                PushString(lua, value.AsString!, maxStringBytes);
                break;
            case ScriptValueKind.Table:
                PushTable(lua, value.AsTable!, maxStringBytes);
                break;
            default:
                lua.PushNil();
                break;
        }
    }

    /// <summary>Pushes a string as UTF-8 bytes (Lua strings may hold any bytes, including zeros): for the host's own names.</summary>
    public static void PushString(Lua lua, string text)
    {
        // Names (a handler's, a field's) are pushed at every call: short ones are encoded on the stack, no array per push.
        if (text.Length <= StackEncodedChars)
        {
            Span<byte> bytes = stackalloc byte[StackEncodedChars * 3];
            int length = Encoding.UTF8.GetBytes(text, bytes);
            LuaNative.lua_pushlstring(lua.Handle, ref MemoryMarshal.GetReference(bytes), (UIntPtr)length);
            return;
        }

        lua.PushBuffer(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Pushes a string the host hands a script, refused before it is encoded when longer than <paramref name="maxStringBytes"/> as UTF-8.</summary>
    /// <exception cref="ScriptCallException">It is longer (a <c>limit:</c> message, <see cref="ScriptErrorKind.Limit"/>).</exception>
    public static void PushString(Lua lua, string text, long maxStringBytes)
    {
        // At most 3 bytes per UTF-16 unit: only a string that may be too long is counted (the count reads it once, allocating nothing).
        if ((long)text.Length * 3 > maxStringBytes && Encoding.UTF8.GetByteCount(text) is var length && length > maxStringBytes)
        {
            throw new ScriptCallException(LimitPrefix + TooLong(length, maxStringBytes));
        }

        PushString(lua, text);
    }

    /// <summary>
    /// Pushes a message the host raises in a script (an exception's): one longer than <paramref name="maxStringBytes"/> is
    /// replaced by a <c>limit:</c> message that says so, since a message push must not fail.
    /// </summary>
    public static void PushMessage(Lua lua, string message, long maxStringBytes)
    {
        long length = (long)message.Length * 3 > maxStringBytes ? Encoding.UTF8.GetByteCount(message) : 0;
        PushString(lua, length > maxStringBytes ? $"{LimitPrefix}a message of {length} bytes is longer than MaxLuaStringBytes ({maxStringBytes})" : message);
    }

    private static void PushTable(Lua lua, ScriptTable table, long maxStringBytes)
    {
        lua.CreateTable(table.Items.Count, table.Fields.Count);
        for (int i = 0; i < table.Items.Count; i++)
        {
            Push(lua, table.Items[i], maxStringBytes);
            lua.RawSetInteger(-2, i + 1);
        }

        foreach (var (name, item) in table.Fields)
        {
            PushString(lua, name, maxStringBytes);
            Push(lua, item, maxStringBytes);
            lua.RawSet(-3);
        }
    }

    /// <summary>Reads the string at <paramref name="index"/> (a string, not a number) as UTF-8.</summary>
    public static string ReadString(Lua lua, int index) => Encoding.UTF8.GetString(lua.ToBuffer(index, false) ?? []);

    /// <summary>
    /// Reads at most the first <paramref name="maxBytes"/> of the string at <paramref name="index"/> (a string, not a number),
    /// copying no more than that; <paramref name="length"/> is its whole length in bytes. A multi-byte character cut at the
    /// end reads as U+FFFD.
    /// </summary>
    public static string ReadStringPrefix(Lua lua, int index, int maxBytes, out long length)
    {
        IntPtr bytes = LuaNative.lua_tolstring(lua.Handle, index, out UIntPtr size);
        length = (long)(ulong)size;
        if (bytes == IntPtr.Zero)
        {
            return "";
        }

        var prefix = new byte[(int)Math.Min(length, maxBytes)];
        Marshal.Copy(bytes, prefix, 0, prefix.Length);
        return Encoding.UTF8.GetString(prefix);
    }

    /// <summary>
    /// Reads the value at <paramref name="index"/> into a <see cref="ScriptValue"/> within the budgets:
    /// at most <paramref name="entriesLeft"/> table entries in all, <paramref name="depthLeft"/> levels,
    /// strings of at most <paramref name="maxStringBytes"/> bytes, keys that are strings or a sequence.
    /// </summary>
    /// <exception cref="ScriptCallException">A budget is exceeded or a value has no .NET form (function, thread, userdata).</exception>
    public static ScriptValue Read(Lua lua, int index, ref int entriesLeft, int depthLeft, int maxStringBytes)
    {
        index = lua.AbsIndex(index);
        switch (lua.Type(index))
        {
            case LuaType.None or LuaType.Nil:
                return ScriptValue.Nil;
            case LuaType.Boolean:
                return lua.ToBoolean(index);
            case LuaType.Number:
                return lua.IsInteger(index) ? ScriptValue.From(lua.ToInteger(index)) : ScriptValue.From(lua.ToNumber(index));
            case LuaType.String:
                if ((long)lua.RawLen(index) > maxStringBytes)
                {
                    throw new ScriptCallException($"a string longer than {maxStringBytes} bytes");
                }

                return ReadString(lua, index);
            case LuaType.Table:
                return ReadTable(lua, index, ref entriesLeft, depthLeft, maxStringBytes);
            default:
                throw new ScriptCallException($"a {lua.TypeName(index)} cannot be passed to the host");
        }
    }

    private static ScriptTable ReadTable(Lua lua, int index, ref int entriesLeft, int depthLeft, int maxStringBytes)
    {
        if (depthLeft <= 0)
        {
            throw new ScriptCallException("tables nest too deeply");
        }

        if (!lua.CheckStack(4))
        {
            throw new ScriptCallException("tables nest too deeply");
        }

        var table = new ScriptTable();
        var numbered = new SortedDictionary<long, ScriptValue>();
        lua.PushNil();
        while (lua.Next(index))
        {
            if (--entriesLeft < 0)
            {
                lua.Pop(2);
                throw new ScriptCallException("a table with too many entries");
            }

            try
            {
                var value = Read(lua, -1, ref entriesLeft, depthLeft - 1, maxStringBytes);
                if (lua.Type(-2) == LuaType.String)
                {
                    // Reading the key as bytes does not convert it in place, so Next stays valid.
                    if ((long)lua.RawLen(-2) > maxStringBytes)
                    {
                        throw new ScriptCallException($"a key longer than {maxStringBytes} bytes");
                    }

                    table.Fields[ReadString(lua, -2)] = value;
                }
                else if (lua.Type(-2) == LuaType.Number && lua.IsInteger(-2) && lua.ToInteger(-2) >= 1)
                {
                    numbered[lua.ToInteger(-2)] = value;
                }
                else
                {
                    throw new ScriptCallException("a table key that is neither a string nor a sequence index");
                }
            }
            catch
            {
                lua.Pop(2);
                throw;
            }

            lua.Pop(1);
        }

        long expected = 1;
        foreach (var (key, value) in numbered)
        {
            if (key != expected++)
            {
                throw new ScriptCallException("a table whose numbered keys are not a sequence 1..n");
            }

            table.Items.Add(value);
        }

        return table;
    }
}
