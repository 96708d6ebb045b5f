-- Wireshark dissector for the Traktor.Ecs.Net wire protocol (docs/PROTOCOL.md, version TRKNET19).
--
-- Load it for one run:   wireshark -X lua_script:tools/wireshark/traktor.lua capture.pcapng
--                        tshark -X lua_script:tools/wireshark/traktor.lua -r capture.pcapng -V
-- or copy it into Wireshark's personal Lua plugins folder (Help > About > Folders).
--
-- It decodes what the Demo's capture.pcapng holds: handshake packets as they travel, and sealed packets (Payload,
-- Disconnect, Denied, secure Challenge) as their plaintext -- prefix, sequence (1-8 bytes, their count minus one in bits
-- 5-7 of the prefix; a connection writes only the low bytes its peer needs, so the number shown is those bytes),
-- plaintext, no tag -- down to the message
-- records by channel and the replication, RPC and input messages inside them, and the shared-authority messages of a
-- peer mesh (write 0x80, relayed claim 0x81, destroy 0x82: their headers) and host migration (standby 0x88, plan 0x89:
-- every field; a plan too long for one packet shows what its first fragment holds). On a live capture the sealed packets'
-- contents are encrypted: the dissector then shows the header and marks the rest as ciphertext.
-- UDP packets are recognized by a heuristic (packet type and size); "Decode As... TRAKTOR" forces it on a port.

local traktor = Proto("traktor", "Traktor.Ecs.Net")

local packet_types = {
    [0] = "ConnectionRequest", [1] = "Challenge", [2] = "ChallengeResponse", [3] = "Denied",
    [4] = "Payload", [5] = "Disconnect", [6] = "InsecureRequest", [7] = "InsecureResponse", [8] = "VersionMismatch",
}
local channels = { [0] = "Unreliable", [1] = "UnreliableSequenced", [2] = "ReliableOrdered", [3] = "ReliableUnordered" }
local reasons = {
    [0] = "Unspecified", [1] = "ClientDisconnected", [2] = "ServerShutdown", [3] = "Kicked", [4] = "TimedOut",
    [5] = "SendQueueOverflow", [6] = "ServerFull", [7] = "ProtocolMismatch", [8] = "SchemaMismatch",
    [9] = "TokenExpired", [10] = "TokenInvalid", [11] = "Rejected", [12] = "AlreadyConnected",
    [13] = "ConnectTimedOut", [14] = "ProtocolViolation", [15] = "CipherMismatch", [16] = "SessionEnded",
    [17] = "Idle", [18] = "AddressLimit", [19] = "TokenUsed", [20] = "HostGaveWay", [21] = "LeftSession",
    [22] = "ProtocolVersionMismatch",
}
local kinds = {
    [0x51] = "Snapshot", [0x52] = "SnapshotAck", [0x60] = "ServerRpc", [0x61] = "ClientRpc",
    [0x70] = "InputCommands", [0x71] = "InputStatus",
    [0x80] = "SharedWrite", [0x81] = "RelayedClaim", [0x82] = "SharedDestroy",
    [0x88] = "Standby", [0x89] = "MigrationPlan",
}
local suites = { [1] = "ChaCha20-Poly1305", [2] = "AES-256-GCM" }

local f = {
    type = ProtoField.uint8("traktor.type", "Packet type", base.DEC, packet_types, 0x0F),
    compressed = ProtoField.bool("traktor.compressed", "LZ4 compressed / offered", 8, nil, 0x10),
    sequence = ProtoField.uint64("traktor.sequence", "Sequence (payload and disconnect: its low bytes)", base.DEC),
    version = ProtoField.string("traktor.version", "Version"),
    protocol_id = ProtoField.uint64("traktor.protocol_id", "Protocol id", base.HEX),
    schema_hash = ProtoField.uint64("traktor.schema_hash", "Schema hash", base.HEX),
    expires = ProtoField.uint64("traktor.expires", "Token expires (Unix s)", base.DEC),
    token_nonce = ProtoField.bytes("traktor.token_nonce", "Token nonce"),
    token = ProtoField.bytes("traktor.token", "Sealed private token"),
    suites_offered = ProtoField.uint8("traktor.suites_offered", "Cipher suites offered", base.HEX),
    suite = ProtoField.uint8("traktor.suite", "Cipher suite", base.DEC, suites),
    client_id = ProtoField.uint64("traktor.client_id", "Client id", base.DEC),
    request_echo = ProtoField.bytes("traktor.request_echo", "Request echo (first 8 bytes of SHA-256 of the request)"),
    cookie_time = ProtoField.uint64("traktor.cookie_time", "Cookie timestamp (Unix ms)", base.DEC),
    cookie_mac = ProtoField.bytes("traktor.cookie_mac", "Cookie MAC"),
    client_random = ProtoField.bytes("traktor.client_random", "Client random (salts the connection's keys)"),
    sequence_bytes = ProtoField.uint8("traktor.sequence_bytes", "Sequence bytes", base.DEC),
    tag = ProtoField.bytes("traktor.tag", "AEAD tag"),
    ciphertext = ProtoField.bytes("traktor.ciphertext", "Ciphertext (not a plaintext capture)"),
    reason = ProtoField.uint8("traktor.reason", "Reason", base.DEC, reasons),
    ack = ProtoField.uint16("traktor.ack", "Ack (newest received)", base.DEC),
    ack_form = ProtoField.uint8("traktor.ack_form", "Ack header form", base.DEC,
        { [0] = "all 32 before it received", [1] = "all but one received", [2] = "all but two received", [3] = "ack bits follow" }, 0x03),
    ack_bits = ProtoField.uint32("traktor.ack_bits", "Ack bits", base.HEX),
    elicits_ack = ProtoField.bool("traktor.elicits_ack", "Elicits an ack (a keep-alive, or an ack asking for a round-trip sample)", 8, nil, 0x80),
    record = ProtoField.bytes("traktor.record", "Record"),
    channel = ProtoField.uint8("traktor.channel", "Channel", base.DEC, channels, 0x03),
    fragment = ProtoField.bool("traktor.fragment", "Fragment", 8, nil, 0x04),
    short_length = ProtoField.bool("traktor.short_length", "One-byte length", 8, nil, 0x08),
    to_end = ProtoField.bool("traktor.to_end", "Runs to the end of the payload (no length)", 8, nil, 0x10),
    length = ProtoField.uint16("traktor.length", "Data length", base.DEC),
    id = ProtoField.uint16("traktor.id", "Id", base.DEC),
    fragment_index = ProtoField.uint16("traktor.fragment_index", "Fragment index", base.DEC),
    fragment_count = ProtoField.uint16("traktor.fragment_count", "Fragment count", base.DEC),
    kind = ProtoField.uint8("traktor.kind", "Message kind", base.HEX, kinds),
    tick = ProtoField.uint32("traktor.tick", "Tick", base.DEC),
    coder = ProtoField.uint8("traktor.coder", "Coder", base.DEC, { [0] = "static", [1] = "adaptive" }, 0x01),
    status_flag = ProtoField.bool("traktor.status_flag", "Input status in the header", 8, nil, 0x02),
    rpc_type = ProtoField.uint16("traktor.rpc_type", "RPC type id", base.DEC),
    view_tick = ProtoField.uint32("traktor.view_tick", "View tick", base.DEC),
    view_fraction = ProtoField.uint8("traktor.view_fraction", "View tick fraction (1/256)", base.DEC),
    input_count = ProtoField.uint8("traktor.input_count", "Inputs", base.DEC),
    tick_low = ProtoField.uint16("traktor.tick_low", "Tick (low 16 bits)", base.DEC),
    buffered = ProtoField.int8("traktor.buffered", "Ticks of input buffered (-128: none yet)", base.DEC),
    snapshot_mask = ProtoField.uint64("traktor.snapshot_mask", "Older snapshots received (bit i: tick - 1 - i)", base.HEX),
    data = ProtoField.bytes("traktor.data", "Data"),
    -- Shared authority (docs/PROTOCOL.md section 13): the header of a write (0x80), a relayed claim (0x81) and a destroy (0x82).
    shared_type = ProtoField.uint16("traktor.shared.type_id", "Network type id of the shared component", base.DEC),
    shared_creator = ProtoField.uint64("traktor.shared.creator", "Entity id: creator peer", base.DEC),
    shared_serial = ProtoField.uint32("traktor.shared.serial", "Entity id: creator's serial", base.DEC),
    claim_version = ProtoField.uint32("traktor.shared.claim_version", "Claim version", base.DEC),
    claim_peer = ProtoField.uint64("traktor.shared.claim_peer", "Claim peer", base.DEC),
    shared_sequence = ProtoField.uint32("traktor.shared.sequence", "Writer's sequence under this claim", base.DEC),
    shared_state = ProtoField.bytes("traktor.shared.state", "Quantized state (WriteFull)"),
    -- Host migration (docs/PROTOCOL.md section 15): a peer's standby (0x88) and the host's plan (0x89).
    standby_key = ProtoField.bytes("traktor.migration.standby_key", "Key the peer's standby server accepts tokens of"),
    address_type = ProtoField.uint8("traktor.migration.address_type", "Address type", base.DEC,
        { [0] = "unused", [1] = "UDP", [2] = "TCP", [3] = "WebSocket" }),
    address = ProtoField.ipv6("traktor.migration.address", "Address"),
    port = ProtoField.uint16("traktor.migration.port", "Port", base.DEC),
    epoch = ProtoField.uint32("traktor.migration.epoch", "Epoch (host generation)", base.DEC),
    plan_version = ProtoField.uint32("traktor.migration.version", "Plan version", base.DEC),
    host_tick = ProtoField.uint32("traktor.migration.tick", "Host's replication tick", base.DEC),
    next_network_id = ProtoField.uint32("traktor.migration.next_network_id", "Next network id", base.DEC),
    host = ProtoField.uint64("traktor.migration.host", "Host's client id", base.DEC),
    successors = ProtoField.uint8("traktor.migration.successors", "Successors", base.DEC),
    successor = ProtoField.uint64("traktor.migration.successor", "Successor's client id", base.DEC),
    has_token = ProtoField.uint8("traktor.migration.has_token", "Has a token", base.DEC, { [0] = "no (the recipient)", [1] = "yes" }),
    successor_token = ProtoField.bytes("traktor.migration.token", "Connect token for this successor"),
    owners = ProtoField.uint16("traktor.migration.owners", "Owned entities", base.DEC),
    owner_network_id = ProtoField.uint32("traktor.migration.owner_network_id", "Network id", base.DEC),
    owner = ProtoField.uint64("traktor.migration.owner", "Owner's client id", base.DEC),
    is_player = ProtoField.uint8("traktor.migration.is_player", "Is a player entity", base.DEC, { [0] = "no", [1] = "yes" }),
}
traktor.fields = f

local e_malformed = ProtoExpert.new("traktor.malformed", "Malformed or encrypted", expert.group.MALFORMED, expert.severity.WARN)
traktor.experts = { e_malformed }

-- Expected sizes per type; sealed packets have their captured plaintext size and their wire size.
-- The clear header of a sealed packet: the prefix and 1-8 sequence bytes (bits 5-7 of the prefix hold the count minus one).
local function header_length(buffer)
    return 2 + bit.rshift(bit.band(buffer(0, 1):uint(), 0xE0), 5)
end

local function plausible(buffer)
    local n = buffer:len()
    if n < 1 then return false end
    local prefix = buffer(0, 1):uint()
    local t, compressed, length_bits = bit.band(prefix, 0x0F), bit.band(prefix, 0x10), bit.band(prefix, 0xE0)
    if t == 0 then return length_bits == 0 and n == 558 and buffer(1, 6):string() == "TRKNET" end
    if t == 6 then return length_bits == 0 and n == 33 and buffer(1, 6):string() == "TRKNET" end
    if t == 2 then return length_bits == 0 and n == 615 and buffer(1, 6):string() == "TRKNET" end
    if t == 7 then return length_bits == 0 and n == 57 and buffer(1, 6):string() == "TRKNET" end
    if t == 8 then return prefix == 0x08 and n == 17 and buffer(1, 6):string() == "TRKNET" end
    -- Challenge and Denied carry a stateless sequence with its top bit set: always 8 bytes.
    if t == 1 then return (length_bits == 0 and n == 25) or (length_bits == 0xE0 and (n == 34 or n == 50)) end
    if t == 3 then return compressed == 0 and length_bits == 0xE0 and (n == 10 or n == 26) end
    local h = header_length(buffer)
    if t == 5 then return compressed == 0 and (n == h + 1 or n == h + 17) end
    if t == 4 then return n >= h + 3 end
    return false
end

-- The 19-byte address record of connect tokens: type, 16 IPv6 bytes, port big-endian.
local function address(tree, tvb, at)
    tree:add(f.address_type, tvb(at, 1))
    tree:add(f.address, tvb(at + 1, 16))
    tree:add(f.port, tvb(at + 17, 2))
    return string.format("[%s]:%d", tostring(tvb(at + 1, 16):ipv6()), tvb(at + 17, 2):uint())
end

-- A host's migration plan (docs/PROTOCOL.md section 15). Returns the summary, and whether the bytes held exactly one plan
-- (false for a first fragment: the rest is in later packets).
local function plan(tree, tvb)
    local n = tvb:len()
    tree:add_le(f.epoch, tvb(1, 4))
    tree:add_le(f.plan_version, tvb(5, 4))
    tree:add_le(f.host_tick, tvb(9, 4))
    tree:add_le(f.next_network_id, tvb(13, 4))
    tree:add_le(f.host, tvb(17, 8))
    tree:add(f.successors, tvb(25, 1))
    local c, at, whole = tvb(25, 1):uint(), 26, tvb(25, 1):uint() <= 8
    local text = string.format("epoch %d version %d, %d successors", tvb(1, 4):le_uint(), tvb(5, 4):le_uint(), c)
    for _ = 1, c do
        if at + 28 > n then return text, false end
        local has = tvb(at + 27, 1):uint()
        local size = 28 + (has == 1 and 1024 or 0)
        local sub = tree:add_le(f.successor, tvb(at, 8))
        address(sub, tvb, at + 8)
        sub:add(f.has_token, tvb(at + 27, 1))
        whole = whole and has <= 1
        if at + size > n then return text, false end
        if has == 1 then sub:add(f.successor_token, tvb(at + 28, 1024)) end
        at = at + size
    end
    if at + 2 > n then return text, false end
    local o = tvb(at, 2):le_uint()
    tree:add_le(f.owners, tvb(at, 2))
    text = text .. string.format(", %d owners", o)
    at = at + 2
    for _ = 1, o do
        if at + 13 > n then return text, false end
        local sub = tree:add_le(f.owner_network_id, tvb(at, 4))
        sub:add_le(f.owner, tvb(at + 4, 8))
        sub:add(f.is_player, tvb(at + 12, 1))
        whole = whole and tvb(at + 12, 1):uint() <= 1
        at = at + 13
    end
    return text, whole and at == n and o <= 16384
end

local function message(tree, tvb, pinfo, summary, fragmented)
    local kind = tvb(0, 1):uint()
    local name = kinds[kind] or (kind >= 0x80 and "Application" or "Unknown")
    local sub = tree:add(f.kind, tvb(0, 1))
    local n = tvb:len()
    if kind == 0x51 and n >= 6 then
        tree:add_le(f.tick, tvb(1, 4))
        tree:add(f.coder, tvb(5, 1))
        tree:add(f.status_flag, tvb(5, 1))
        if bit.band(tvb(5, 1):uint(), 0x02) ~= 0 and n >= 7 then
            tree:add(f.buffered, tvb(6, 1)) -- TRKNET11: the input status rides in the header
        end
        name = name .. " " .. tvb(1, 4):le_uint()
    elseif kind == 0x52 and n == 13 then
        tree:add_le(f.tick, tvb(1, 4))
        tree:add_le(f.snapshot_mask, tvb(5, 8))
        name = name .. " " .. tvb(1, 4):le_uint()
    elseif kind == 0x60 and n >= 7 then
        tree:add_le(f.tick, tvb(1, 4))
        tree:add_le(f.rpc_type, tvb(5, 2))
    elseif kind == 0x61 and n >= 3 then
        tree:add_le(f.rpc_type, tvb(1, 2))
    elseif kind == 0x70 and n >= 11 then
        tree:add_le(f.tick, tvb(1, 4))
        tree:add_le(f.view_tick, tvb(5, 4))
        tree:add(f.view_fraction, tvb(9, 1))
        tree:add(f.input_count, tvb(10, 1))
        name = name .. " " .. tvb(1, 4):le_uint()
    elseif kind == 0x71 and n == 4 then
        tree:add_le(f.tick_low, tvb(1, 2))
        tree:add(f.buffered, tvb(3, 1))
    elseif (kind == 0x80 and n >= 31) or ((kind == 0x81 or kind == 0x82) and n == 27) then
        -- The 27-byte claim header they share; a write adds its sequence and the state.
        tree:add_le(f.shared_type, tvb(1, 2))
        tree:add_le(f.shared_creator, tvb(3, 8))
        tree:add_le(f.shared_serial, tvb(11, 4))
        tree:add_le(f.claim_version, tvb(15, 4))
        tree:add_le(f.claim_peer, tvb(19, 8))
        name = string.format("%s %s:%d, claim (%d, %s)", name, tostring(tvb(3, 8):le_uint64()), tvb(11, 4):le_uint(),
            tvb(15, 4):le_uint(), tostring(tvb(19, 8):le_uint64()))
        if kind == 0x80 then
            tree:add_le(f.shared_sequence, tvb(27, 4))
            if n > 31 then tree:add(f.shared_state, tvb(31, n - 31)) end
            name = name .. ", sequence " .. tvb(27, 4):le_uint()
        end
    elseif kind >= 0x80 and kind <= 0x82 then
        tree:add_proto_expert_info(e_malformed, string.format("%s of %d bytes: docs/PROTOCOL.md section 13 allows %s", name,
            n, kind == 0x80 and "31 or more" or "exactly 27"))
    elseif kind == 0x88 and n == 52 then
        tree:add(f.standby_key, tvb(1, 32))
        name = name .. " " .. address(tree, tvb, 33)
    elseif kind == 0x88 then
        tree:add_proto_expert_info(e_malformed, string.format("Standby of %d bytes: docs/PROTOCOL.md section 15 allows exactly 52", n))
    elseif kind == 0x89 and n >= 26 then
        local text, whole = plan(tree, tvb)
        name = name .. " " .. text
        if fragmented then
            name = name .. " (more in the next fragments)"
        elseif not whole then
            tree:add_proto_expert_info(e_malformed, "Plan does not parse to its end: docs/PROTOCOL.md section 15")
        end
    elseif kind == 0x89 then
        tree:add_proto_expert_info(e_malformed, string.format("Plan of %d bytes: docs/PROTOCOL.md section 15 needs 26 or more", n))
    end
    summary[#summary + 1] = name
    return name
end

-- Message records (docs/PROTOCOL.md section 7); false when they do not fill the plaintext exactly.
local function records(tree, tvb, pinfo, summary)
    local at, n, count = 0, tvb:len(), 0
    while at < n do
        local flags = tvb(at, 1):uint()
        if bit.band(flags, 0xE0) ~= 0 or bit.band(flags, 0x18) == 0x18 then return false end
        local channel, fragment = bit.band(flags, 3), bit.band(flags, 4) ~= 0
        -- The length: one byte (flag 0x08), none for a last record that runs to the end (0x10), else two bytes.
        local length_bytes = bit.band(flags, 0x10) ~= 0 and 0 or (bit.band(flags, 0x08) ~= 0 and 1 or 2)
        local header = 1 + length_bytes + ((channel ~= 0 or fragment) and 2 or 0) + (fragment and 4 or 0)
        if at + header > n then return false end
        local length
        if length_bytes == 0 then length = n - at - header
        elseif length_bytes == 1 then length = tvb(at + 1, 1):uint()
        else length = tvb(at + 1, 2):le_uint() end
        if length < 1 or at + header + length > n then return false end
        local rec = tree:add(f.record, tvb(at, header + length))
        rec:set_text(string.format("Record: %s, %d bytes", channels[channel], length))
        rec:add(f.channel, tvb(at, 1))
        rec:add(f.fragment, tvb(at, 1))
        rec:add(f.short_length, tvb(at, 1))
        rec:add(f.to_end, tvb(at, 1))
        if length_bytes > 0 then rec:add_le(f.length, tvb(at + 1, length_bytes)) else rec:add(f.length, tvb(at, 1), length) end
        local index = 0
        local id_at = at + 1 + length_bytes
        if channel ~= 0 or fragment then rec:add_le(f.id, tvb(id_at, 2)) end
        if fragment then
            index = tvb(id_at + 2, 2):le_uint()
            rec:add_le(f.fragment_index, tvb(id_at + 2, 2))
            rec:add_le(f.fragment_count, tvb(id_at + 4, 2))
        end
        local data = tvb(at + header, length):tvb()
        if index == 0 then
            local name = message(rec, data, pinfo, summary, fragment)
            rec:append_text(": " .. name .. (fragment and " (first fragment)" or ""))
        else
            rec:add(f.data, data())
            rec:append_text(string.format(": fragment %d", index))
        end
        at = at + header + length
        count = count + 1
    end
    return count <= 128
end

-- The ack header (docs/PROTOCOL.md section 6): a form byte, the ack (u16), and what the form needs. Returns its length,
-- or nil when it is not one of the four forms.
local function ack_header(tree, buffer, h)
    local n = buffer:len()
    if n < h + 3 then return nil end
    local form_byte = buffer(h, 1):uint()
    local form, index = bit.band(form_byte, 3), bit.band(bit.rshift(form_byte, 2), 0x1F)
    local bits, length
    if form == 0 then
        if index ~= 0 then return nil end
        bits, length = 0xFFFFFFFF, 3
    elseif form == 1 then
        bits, length = bit.bnot(bit.lshift(1, index)), 3
    elseif form == 2 then
        if n < h + 4 then return nil end
        local high = buffer(h + 3, 1):uint()
        if high > 31 or high <= index then return nil end
        bits, length = bit.bnot(bit.bor(bit.lshift(1, index), bit.lshift(1, high))), 4
    else
        if index ~= 0 or n < h + 7 then return nil end
        bits, length = buffer(h + 3, 4):le_uint(), 7
    end
    tree:add(f.ack_form, buffer(h, 1))
    tree:add(f.elicits_ack, buffer(h, 1))
    tree:add_le(f.ack, buffer(h + 1, 2))
    -- LuaJIT's bit operations are signed 32-bit: bring the bits back to 0 ... 2^32 - 1.
    if bits < 0 then bits = bits + 4294967296 end
    tree:add(f.ack_bits, buffer(h, length), bits)
    return length
end

local function sealed_header(tree, buffer)
    local h = header_length(buffer)
    tree:add(f.sequence_bytes, buffer(0, 1), h - 1)
    tree:add(f.sequence, buffer(1, h - 1), buffer(1, h - 1):le_uint64())
    return h
end

function traktor.dissector(buffer, pinfo, tree)
    if not plausible(buffer) then return 0 end
    local n = buffer:len()
    local t = bit.band(buffer(0, 1):uint(), 0x0F)
    pinfo.cols.protocol = "TRAKTOR"
    local root = tree:add(traktor, buffer(), "Traktor.Ecs.Net, " .. packet_types[t])
    root:add(f.type, buffer(0, 1))
    root:add(f.compressed, buffer(0, 1))
    local info = packet_types[t]

    if t == 0 or t == 6 then
        root:add(f.version, buffer(1, 8))
        root:add_le(f.protocol_id, buffer(9, 8))
        root:add_le(f.schema_hash, buffer(17, 8))
        if t == 0 then
            root:add_le(f.expires, buffer(25, 8))
            root:add(f.token_nonce, buffer(33, 12))
            root:add(f.token, buffer(45, 512))
            root:add(f.suites_offered, buffer(557, 1))
        else
            root:add_le(f.client_id, buffer(25, 8))
            info = info .. ", client " .. buffer(25, 8):le_uint64()
        end
    elseif t == 2 then
        root:add(f.version, buffer(1, 8))
        root:add_le(f.protocol_id, buffer(9, 8))
        root:add(f.token, buffer(45, 512))
        root:add_le(f.cookie_time, buffer(558, 8))
        root:add(f.cookie_mac, buffer(566, 16))
        root:add(f.suite, buffer(582, 1))
        root:add(f.client_random, buffer(583, 16))
        root:add(f.tag, buffer(599, 16))
    elseif t == 7 then
        root:add(f.version, buffer(1, 8))
        root:add_le(f.client_id, buffer(25, 8))
        root:add_le(f.cookie_time, buffer(33, 8))
        root:add(f.cookie_mac, buffer(41, 16))
    elseif t == 8 then
        root:add(f.version, buffer(1, 8))
        root:add(f.request_echo, buffer(9, 8))
        info = info .. ", server speaks " .. buffer(1, 8):string()
    elseif t == 1 then
        if n == 25 then
            root:add_le(f.cookie_time, buffer(1, 8))
            root:add(f.cookie_mac, buffer(9, 16))
        else
            sealed_header(root, buffer)
            if n == 34 then
                root:add_le(f.cookie_time, buffer(9, 8))
                root:add(f.cookie_mac, buffer(17, 16))
                root:add(f.suite, buffer(33, 1))
            else
                root:add(f.ciphertext, buffer(9, 25))
                root:add(f.tag, buffer(34, 16))
            end
        end
    elseif t == 3 or t == 5 then
        local h = sealed_header(root, buffer)
        if n == h + 1 then
            root:add(f.reason, buffer(h, 1))
            info = info .. ", " .. (reasons[buffer(h, 1):uint()] or "reason " .. buffer(h, 1):uint())
        else
            root:add(f.ciphertext, buffer(h, 1))
            root:add(f.tag, buffer(h + 1, 16))
        end
    elseif t == 4 then
        local h = sealed_header(root, buffer)
        info = info .. " " .. buffer(1, h - 1):le_uint64()
        if bit.band(buffer(0, 1):uint(), 0x10) ~= 0 then
            root:add(f.data, buffer(h)):set_text("LZ4-compressed plaintext")
        else
            local a = ack_header(root, buffer, h)
            if a == nil then
                root:add_proto_expert_info(e_malformed, "Ack header does not parse: a sealed (encrypted) packet or a malformed one")
                pinfo.cols.info = info
                return n
            end
            info = info .. ", ack " .. buffer(h + 1, 2):le_uint()
            local summary = {}
            if n > h + a and not records(root, buffer(h + a):tvb(), pinfo, summary) then
                root:add_proto_expert_info(e_malformed, "Records do not parse: a sealed (encrypted) packet or a malformed one")
            elseif #summary > 0 then
                info = info .. ": " .. table.concat(summary, ", ")
            end
        end
    end
    pinfo.cols.info = info
    return n
end

local function heuristic(buffer, pinfo, tree)
    if not plausible(buffer) then return false end
    traktor.dissector(buffer, pinfo, tree)
    return true
end

traktor:register_heuristic("udp", heuristic)
DissectorTable.get("udp.port"):add_for_decode_as(traktor)
