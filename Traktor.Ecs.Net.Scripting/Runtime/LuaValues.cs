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
    /// <summary>Pushes a value; tables recursively.</summary>
    /// <exception cref="ScriptCallException">The Lua stack cannot grow (nesting too deep).</exception>
    public static void Push(Lua lua, in ScriptValue value)
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
                PushString(lua, value.AsString!);
                break;
            case ScriptValueKind.Table:
                PushTable(lua, value.AsTable!);
                break;
            default:
                lua.PushNil();
                break;
        }
    }

    /// <summary>Pushes a string as UTF-8 bytes (Lua strings may hold any bytes, including zeros).</summary>
    public static void PushString(Lua lua, string text) => lua.PushBuffer(Encoding.UTF8.GetBytes(text));

    private static void PushTable(Lua lua, ScriptTable table)
    {
        lua.CreateTable(table.Items.Count, table.Fields.Count);
        for (int i = 0; i < table.Items.Count; i++)
        {
            Push(lua, table.Items[i]);
            lua.RawSetInteger(-2, i + 1);
        }

        foreach (var (name, item) in table.Fields)
        {
            PushString(lua, name);
            Push(lua, item);
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
