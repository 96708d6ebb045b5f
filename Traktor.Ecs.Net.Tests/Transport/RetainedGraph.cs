using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// The memory a system under test keeps: the bytes of every object reachable from its roots through instance fields,
/// array elements and delegates (each delegate's target, and every delegate of a multicast one), each counted once.
/// Unlike <see cref="GC.GetTotalMemory(bool)"/>, which counts the whole process (other tests running beside a soak once
/// made it 8.3 MB against a 5 MB bound), it counts only what the roots hold, and without a collection, so it is the same
/// on every run. The walk stops at what is not the system's own: objects of the test assembly (recorders, loggers, the
/// recording wire in front of the simulated network, and the closures of the test's own lambdas, so an event handler
/// the test subscribed leads no further), loggers, clocks, threads, reflection objects, metric instruments, service providers
/// and System.Threading's objects: threads, timers, execution contexts, cancellation sources (shared by the process or a
/// host). It does not see what is held outside the object graph: static and thread-static fields,
/// AsyncLocal values, objects held only through GC handles (a ConditionalWeakTable's values, a GCHandle; a weak
/// reference's target is rightly not counted) and native memory; a leak into one of those would not be seen here.
/// Sizes follow the 64-bit layout without padding (an object: 16-byte header and its fields; an array: 24 bytes and its
/// elements; a delegate: 64 bytes): a slight underestimate.
/// </summary>
internal static class RetainedGraph
{
    private static readonly ConcurrentDictionary<Type, FieldInfo[]> Fields = new();
    private static readonly ConcurrentDictionary<Type, int> ValueSizes = new();
    private static readonly Assembly TestAssembly = typeof(RetainedGraph).Assembly;

    /// <summary>The bytes reachable from <paramref name="roots"/>; <paramref name="byType"/>, when given, receives them by type (for a failure's message).</summary>
    public static long Bytes(IEnumerable<object> roots, Dictionary<Type, long>? byType = null)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<object>();
        foreach (var root in roots) Visit(root, seen, pending);
        long total = 0;
        while (pending.TryPop(out var item))
        {
            long size = SizeAndChildren(item, seen, pending);
            total += size;
            if (byType is not null) byType[item.GetType()] = byType.GetValueOrDefault(item.GetType()) + size;
        }
        return total;
    }

    /// <summary>The largest contributors of <paramref name="byType"/>, for a message.</summary>
    public static string Largest(Dictionary<Type, long> byType, int count = 8) =>
        string.Join(", ", byType.OrderByDescending(p => p.Value).Take(count).Select(p => $"{p.Key.Name} {p.Value:N0}"));

    private static void Visit(object? value, HashSet<object> seen, Stack<object> pending)
    {
        if (value is null || Stops(value) || !seen.Add(value)) return;
        pending.Push(value);
    }

    private static bool Stops(object value)
    {
        var type = value.GetType();
        if (type.IsArray) return false;
        // System.Threading's objects (timers, execution contexts, cancellation sources, wait handles) and service providers
        // are the process's or a host's, not the system's: a timer is linked to every other timer of the process, and an
        // execution context's async-local values lead to what the test runner keeps for the tests running beside this one
        // (a WebSocket flood, whose host has a heartbeat timer, counted 14 and 91 MB under the full suite, 2.3 MB alone).
        return type.Assembly == TestAssembly || value is MemberInfo or ILogger or ILoggerFactory or TimeProvider
            or System.Diagnostics.Metrics.Instrument or System.Diagnostics.Metrics.Meter or IServiceProvider
            || type.Namespace == "System.Threading" || IsPooledStateMachineBox(type);
    }

    /// <summary>
    /// A box of <see cref="PoolingAsyncValueTaskMethodBuilder{TResult}"/> runs one call of an async method, then goes back to
    /// a process-wide cache and runs the next call of the same method, whoever makes it. A completed operation's source
    /// keeps a reference to the box that awaited it (a ManualResetValueTaskSourceCore keeps its continuation until it is
    /// reset): the server's WebSocket stream kept its receive's box, which by then ran the attacker's client's receive,
    /// so the walk went on into the client's channel (84 KB), and in the full suite into any other test's WebSocket and
    /// what it holds. Not the system's: the box keeps nothing while it is cached, and a call of the system's own that is
    /// under way holds its objects, which the walk reaches through their fields anyway.
    /// </summary>
    private static bool IsPooledStateMachineBox(Type type) =>
        type.DeclaringType is { IsGenericType: true } builder && builder.GetGenericTypeDefinition() == typeof(PoolingAsyncValueTaskMethodBuilder<>);

    private static long SizeAndChildren(object item, HashSet<object> seen, Stack<object> pending)
    {
        if (item is string text) return 22 + 2L * text.Length;
        if (item is Array array)
        {
            var element = array.GetType().GetElementType()!;
            long size = 24 + (long)array.Length * (element.IsValueType ? ValueSize(element) : IntPtr.Size);
            if (element.IsPrimitive || element.IsEnum || element.IsPointer || (element.IsValueType && !HoldsReferences(element))) return size;
            foreach (var value in array)
            {
                if (element.IsValueType) VisitFieldsOf(value, seen, pending);
                else Visit(value, seen, pending);
            }
            return size;
        }
        if (item is Delegate handler) return DelegateSizeAndChildren(handler, seen, pending);
        var type = item.GetType();
        if (type.IsValueType) return 16 + ValueSize(type); // a boxed value
        long bytes = 16;
        foreach (var field in FieldsOf(type))
        {
            bytes += FieldSize(field.FieldType);
            if (field.FieldType.IsPointer || field.FieldType.IsFunctionPointer || field.FieldType.IsPrimitive || field.FieldType.IsEnum) continue;
            var value = field.GetValue(item);
            if (field.FieldType.IsValueType) VisitFieldsOf(value, seen, pending);
            else Visit(value, seen, pending);
        }
        return bytes;
    }

    /// <summary>
    /// A delegate keeps its target alive, and a multicast one every delegate it combines (whose Target is only the last's):
    /// both are walked through the public surface rather than the runtime's private fields, whatever those are called.
    /// A delegate stopped the walk before, so a leak behind a callback (a method of a system's object held by a
    /// subscription, a timer) was not seen.
    /// </summary>
    private static long DelegateSizeAndChildren(Delegate handler, HashSet<object> seen, Stack<object> pending)
    {
        const long size = 16 + 6 * 8; // the header; target, method, two method pointers, invocation list and count
        var list = handler.GetInvocationList();
        if (list.Length == 1)
        {
            Visit(handler.Target, seen, pending);
            return size;
        }
        foreach (var single in list) Visit(single, seen, pending);
        return size + 24 + (long)list.Length * IntPtr.Size; // and its invocation list
    }

    /// <summary>The references inside a struct (boxed here), walked as its holder's.</summary>
    private static void VisitFieldsOf(object? boxed, HashSet<object> seen, Stack<object> pending)
    {
        if (boxed is null) return; // a Nullable<T> without a value
        var type = boxed.GetType();
        if (!HoldsReferences(type)) return;
        foreach (var field in FieldsOf(type))
        {
            if (field.FieldType.IsPointer || field.FieldType.IsFunctionPointer || field.FieldType.IsPrimitive || field.FieldType.IsEnum) continue;
            var value = field.GetValue(boxed);
            if (field.FieldType.IsValueType) VisitFieldsOf(value, seen, pending);
            else Visit(value, seen, pending);
        }
    }

    private static bool HoldsReferences(Type type) =>
        !type.IsPrimitive && !type.IsEnum && !type.IsPointer &&
        (!type.IsValueType || FieldsOf(type).Any(f => !f.FieldType.IsValueType || (f.FieldType != type && HoldsReferences(f.FieldType))));

    private static FieldInfo[] FieldsOf(Type type) => Fields.GetOrAdd(type, static t =>
    {
        var fields = new List<FieldInfo>();
        for (var at = t; at is not null; at = at.BaseType)
            fields.AddRange(at.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly));
        return fields.ToArray();
    });

    private static int FieldSize(Type type) => type.IsValueType && !type.IsPointer && !type.IsFunctionPointer ? ValueSize(type) : IntPtr.Size;

    private static int ValueSize(Type type) => ValueSizes.GetOrAdd(type, static t =>
    {
        if (t.IsEnum) t = Enum.GetUnderlyingType(t);
        if (t.IsPrimitive) return t == typeof(bool) || t == typeof(byte) || t == typeof(sbyte) ? 1
            : t == typeof(short) || t == typeof(ushort) || t == typeof(char) ? 2
            : t == typeof(int) || t == typeof(uint) || t == typeof(float) ? 4 : 8;
        int size = FieldsOf(t).Sum(f => FieldSize(f.FieldType));
        return Math.Max(1, size);
    });
}
