using System.Globalization;
using System.Runtime.InteropServices;

namespace Traktor.Ecs.Net.Bench.Capacity;

/// <summary>
/// Asks Linux for transparent huge pages on this process's large anonymous mappings (the GC heap's reservation among
/// them): <c>madvise(MADV_HUGEPAGE)</c>, which takes effect where the system's policy is <c>madvise</c> (or
/// <c>always</c>). A server with thousands of connections touches a few cache lines in each of dozens of 4 KiB pages
/// per connection and tick; with 2 MiB pages those touches stop missing the TLB.
/// </summary>
internal static class HugePages
{
    private const int MadviseHugePage = 14;
    private const long MinimumBytes = 2L * 1024 * 1024;

    private const int MadviseCollapse = 25;

    /// <summary>Advises every anonymous mapping of at least 2 MiB; returns the bytes advised (0 where unsupported).</summary>
    public static long AdviseAnonymousMappings() => Advise(MadviseHugePage, writableOnly: false);

    /// <summary>
    /// Collapses the writable anonymous mappings' present pages into huge pages now (<c>MADV_COLLAPSE</c>, Linux 6.1+,
    /// independent of the system's policy unless it is <c>never</c>); returns the bytes collapsed.
    /// </summary>
    public static long CollapseAnonymousMappings() => Advise(MadviseCollapse, writableOnly: true);

    private static long Advise(int advice, bool writableOnly)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/self/maps")) return 0;
        long advised = 0;
        foreach (string line in File.ReadAllLines("/proc/self/maps"))
        {
            // "start-end perms offset dev inode [path]": anonymous mappings have inode 0 and no path.
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 5 || fields.Length < 5 || fields[4] != "0") continue;
            if (writableOnly && !fields[1].StartsWith("rw", StringComparison.Ordinal)) continue;
            var range = fields[0].Split('-');
            long start = long.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            long end = long.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (end - start < MinimumBytes) continue;
            if (Madvise((nint)start, (nuint)(end - start), advice) == 0) advised += end - start;
        }

        return advised;
    }

    [DllImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static extern int Madvise(nint address, nuint length, int advice);
}
