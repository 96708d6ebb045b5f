using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Scripting.Runtime;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// A platform without KeraLua's native Lua (a runtime identifier it ships nothing for, a container image stripped of it)
/// gets a typed error naming what was tried, not a DllNotFoundException from inside KeraLua or in the middle of a tick.
/// </summary>
public sealed class LuaNativeTests
{
    [Fact]
    public void A_missing_native_library_is_a_typed_error_that_says_what_was_tried()
    {
        string[] missing = ["traktor-no-such-lua54", "traktor-no-such-lua54-either"];
        var error = Assert.Throws<LuaNativeLibraryException>(() => LuaNative.Load(missing));

        Assert.Equal(missing, error.TriedNames);
        Assert.Equal(System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier, error.RuntimeIdentifier);
        Assert.Contains("traktor-no-such-lua54-either", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.RuntimeIdentifier, error.Message, StringComparison.Ordinal);
        Assert.IsType<DllNotFoundException>(error.InnerException);
    }

    [Fact]
    public void The_names_for_this_platform_find_the_library_KeraLua_uses_and_a_script_reads_strings_through_it()
    {
        Assert.NotEqual(IntPtr.Zero, LuaNative.Load(LuaNative.Names));
        using var host = new ScriptHost();
        // An error message is read through lua_tolstring, resolved to that library.
        var script = host.Load("native.lua", "error(string.rep('x', 100))\n");
        Assert.Contains(new string('x', 100), Assert.Single(script.Errors).Message, StringComparison.Ordinal);
    }
}
