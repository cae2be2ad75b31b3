// Command warlogverify checks warlog's checkpoints, cosignatures, proofs and
// tiles with Go's reference transparency-log packages, golang.org/x/mod/sumdb/note
// and golang.org/x/mod/sumdb/tlog, so that warlog's formats are held to an
// implementation it shares no code with.
//
//	warlogverify vectors FILE.json
//	warlogverify tiles DIR LOG_VKEY [WITNESS_VKEY ...]
//	warlogverify cosigned NOTE_FILE LOG_VKEY WITNESS_VKEY ...
//
// Each prints "ok: ..." lines and exits 0, or prints "FAIL: ..." and exits 1.
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(format string, args ...interface{}) {
	fmt.Printf("FAIL: "+format+"\n", args...)
	os.Exit(1)
}

// checkpoint is the body of a C2SP checkpoint: origin, size, root, extension lines.
type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

func parseCheckpoint(text string) (checkpoint, error) {
	lines := strings.Split(text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return checkpoint{}, errors.New("checkpoint needs origin, size and root lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return checkpoint{}, fmt.Errorf("bad size line %q", lines[1])
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		return checkpoint{}, fmt.Errorf("bad root line %q", lines[2])
	}
	return checkpoint{lines[0], size, root}, nil
}

// openCheckpoint verifies a signed checkpoint with the reference note package.
func openCheckpoint(msg []byte, logVkey string) (*note.Note, checkpoint) {
	verifier, err := note.NewVerifier(logVkey)
	if err != nil {
		fail("log vkey: %v", err)
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fail("note.Open: %v", err)
	}
	cp, err := parseCheckpoint(n.Text)
	if err != nil {
		fail("%v", err)
	}
	if cp.origin != verifier.Name() {
		fail("origin %q is not the key name %q", cp.origin, verifier.Name())
	}
	return n, cp
}

// checkCosignature verifies a tlog-cosignature/v1 (Ed25519) line by the witness
// vkey among the note's unverified signatures: key ID with type 0x04, then a
// big-endian u64 timestamp, then Ed25519 over "cosignature/v1\ntime T\n" + body.
func checkCosignature(n *note.Note, witnessVkey string) (string, uint64) {
	parts := strings.SplitN(witnessVkey, "+", 3)
	if len(parts) != 3 {
		fail("witness vkey %q", witnessVkey)
	}
	name := parts[0]
	material, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(material) != 33 || material[0] != 0x04 {
		fail("witness vkey %q is not a cosignature/v1 key", witnessVkey)
	}
	idInput := append([]byte(name+"\n"), material...)
	sum := sha256.Sum256(idInput)
	id := binary.BigEndian.Uint32(sum[:4])
	if fmt.Sprintf("%08x", id) != parts[1] {
		fail("witness vkey %q has the wrong key ID", witnessVkey)
	}
	for _, sig := range n.UnverifiedSigs {
		if sig.Name != name || sig.Hash != id {
			continue
		}
		blob, err := base64.StdEncoding.DecodeString(sig.Base64)
		if err != nil || len(blob) != 4+8+64 {
			fail("cosignature by %s is malformed", name)
		}
		timestamp := binary.BigEndian.Uint64(blob[4:12])
		message := fmt.Sprintf("cosignature/v1\ntime %d\n%s", timestamp, n.Text)
		if !ed25519.Verify(ed25519.PublicKey(material[1:]), []byte(message), blob[12:]) {
			fail("cosignature by %s does not verify", name)
		}
		return name, timestamp
	}
	fail("no cosignature by %s", name)
	return "", 0
}

func hashes(values []string) []tlog.Hash {
	out := make([]tlog.Hash, len(values))
	for i, v := range values {
		h, err := tlog.ParseHash(v)
		if err != nil {
			fail("bad hash %q", v)
		}
		out[i] = h
	}
	return out
}

type vectors struct {
	Vkey            string   `json:"vkey"`
	WitnessVkeys    []string `json:"witness_vkeys"`
	Checkpoint      string   `json:"checkpoint"`
	OlderCheckpoint string   `json:"older_checkpoint"`
	Extended        string   `json:"checkpoint_with_extension"`
	Leaves          []struct {
		Index    int64  `json:"leaf_index"`
		Leaf     string `json:"leaf"`
		LeafHash string `json:"leaf_hash"`
	} `json:"leaves"`
	Inclusion []struct {
		Index int64    `json:"leaf_index"`
		Size  int64    `json:"size"`
		Proof []string `json:"proof"`
	} `json:"inclusion_proofs"`
	Consistency []struct {
		OldSize int64    `json:"old_size"`
		OldRoot string   `json:"old_root"`
		Size    int64    `json:"size"`
		Root    string   `json:"root"`
		Proof   []string `json:"proof"`
	} `json:"consistency_proofs"`
}

func checkVectors(path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	var v vectors
	if err := json.Unmarshal(data, &v); err != nil {
		fail("%s: %v", path, err)
	}
	n, cp := openCheckpoint([]byte(v.Checkpoint), v.Vkey)
	for _, w := range v.WitnessVkeys {
		name, t := checkCosignature(n, w)
		fmt.Printf("ok: cosignature by %s at %d\n", name, t)
	}
	fmt.Printf("ok: checkpoint %s size %d\n", cp.origin, cp.size)
	_, older := openCheckpoint([]byte(v.OlderCheckpoint), v.Vkey)
	extendedNote, extended := openCheckpoint([]byte(v.Extended), v.Vkey)
	if extended.size != cp.size || extended.root != cp.root || strings.Count(extendedNote.Text, "\n") < 4 {
		fail("the checkpoint with extension lines does not carry the same tree and an extension line")
	}
	fmt.Printf("ok: checkpoint with extension lines\n")
	leafHashes := map[int64]tlog.Hash{}
	for _, l := range v.Leaves {
		got := tlog.RecordHash([]byte(l.Leaf))
		if got.String() != l.LeafHash {
			fail("leaf %d hashes to %s, the vectors say %s", l.Index, got, l.LeafHash)
		}
		leafHashes[l.Index] = got
	}
	fmt.Printf("ok: %d leaf hashes\n", len(v.Leaves))
	for _, p := range v.Inclusion {
		root := cp.root
		if p.Size == older.size {
			root = older.root
		} else if p.Size != cp.size {
			fail("inclusion proof for size %d, which no checkpoint has", p.Size)
		}
		h, ok := leafHashes[p.Index]
		if !ok {
			fail("no leaf %d in the vectors", p.Index)
		}
		if err := tlog.CheckRecord(tlog.RecordProof(hashes(p.Proof)), p.Size, root, p.Index, h); err != nil {
			fail("inclusion of leaf %d in size %d: %v", p.Index, p.Size, err)
		}
	}
	fmt.Printf("ok: %d inclusion proofs\n", len(v.Inclusion))
	for _, p := range v.Consistency {
		oldRoot, newRoot := hashes([]string{p.OldRoot})[0], hashes([]string{p.Root})[0]
		if p.Size == cp.size && newRoot != cp.root {
			fail("consistency proof to size %d names another root than the checkpoint's", p.Size)
		}
		if err := tlog.CheckTree(tlog.TreeProof(hashes(p.Proof)), p.Size, newRoot, p.OldSize, oldRoot); err != nil {
			fail("consistency from %d to %d: %v", p.OldSize, p.Size, err)
		}
	}
	fmt.Printf("ok: %d consistency proofs\n", len(v.Consistency))
}

// tileReader serves tlog's tiles from a C2SP tlog-tiles directory: Go names a
// tile tile/H/L/N[.p/W], C2SP fixes H at 8 and leaves it out: tile/L/N[.p/W].
type tileReader struct{ dir string }

func (r tileReader) Height() int { return 8 }

func c2spPath(t tlog.Tile) string {
	return strings.Replace(t.Path(), "tile/8/", "tile/", 1)
}

func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, err := os.ReadFile(filepath.Join(r.dir, c2spPath(t)))
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (r tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

func bundle(dir string, index int64, width int) [][]byte {
	t := tlog.Tile{H: 8, L: 0, N: index, W: width}
	path := strings.Replace(c2spPath(t), "tile/0/", "tile/entries/", 1)
	data, err := os.ReadFile(filepath.Join(dir, path))
	if err != nil {
		fail("%v", err)
	}
	var entries [][]byte
	for len(data) > 0 {
		if len(data) < 2 {
			fail("%s: length prefix cut off", path)
		}
		size := int(binary.BigEndian.Uint16(data[:2]))
		if len(data) < 2+size {
			fail("%s: entry cut off", path)
		}
		entries = append(entries, data[2:2+size])
		data = data[2+size:]
	}
	if len(entries) != width {
		fail("%s holds %d entries, not %d", path, len(entries), width)
	}
	return entries
}

func checkTiles(dir, logVkey string, witnesses []string) {
	msg, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		fail("%v", err)
	}
	n, cp := openCheckpoint(msg, logVkey)
	for _, w := range witnesses {
		name, _ := checkCosignature(n, w)
		fmt.Printf("ok: cosignature by %s\n", name)
	}
	tree := tlog.Tree{N: cp.size, Hash: cp.root}
	reader := tlog.TileHashReader(tree, tileReader{dir})
	root, err := tlog.TreeHash(cp.size, reader)
	if err != nil {
		fail("TreeHash: %v", err)
	}
	if root != cp.root {
		fail("tiles hash to %s, the checkpoint says %s", root, cp.root)
	}
	// Every entry of every bundle against the leaf hash the tiles hold.
	for start := int64(0); start < cp.size; start += 256 {
		width := 256
		if cp.size-start < 256 {
			width = int(cp.size - start)
		}
		entries := bundle(dir, start/256, width)
		indexes := make([]int64, width)
		for i := range indexes {
			indexes[i] = tlog.StoredHashIndex(0, start+int64(i))
		}
		stored, err := reader.ReadHashes(indexes)
		if err != nil {
			fail("ReadHashes: %v", err)
		}
		for i, entry := range entries {
			if tlog.RecordHash(entry) != stored[i] {
				fail("entry %d does not hash to its tile hash", start+int64(i))
			}
		}
	}
	// An inclusion proof of the first and last entries, and a consistency proof from half the size.
	for _, index := range []int64{0, cp.size - 1} {
		proof, err := tlog.ProveRecord(cp.size, index, reader)
		if err != nil {
			fail("ProveRecord(%d): %v", index, err)
		}
		hs, _ := reader.ReadHashes([]int64{tlog.StoredHashIndex(0, index)})
		if err := tlog.CheckRecord(proof, cp.size, cp.root, index, hs[0]); err != nil {
			fail("CheckRecord(%d): %v", index, err)
		}
	}
	half := cp.size / 2
	if half > 0 {
		proof, err := tlog.ProveTree(cp.size, half, reader)
		if err != nil {
			fail("ProveTree: %v", err)
		}
		oldRoot, err := tlog.TreeHash(half, reader)
		if err != nil {
			fail("TreeHash(%d): %v", half, err)
		}
		if err := tlog.CheckTree(proof, cp.size, cp.root, half, oldRoot); err != nil {
			fail("CheckTree: %v", err)
		}
	}
	fmt.Printf("ok: %d entries and their tiles under the checkpoint of size %d\n", cp.size, cp.size)
}

func main() {
	if len(os.Args) < 3 {
		fail("usage: warlogverify vectors FILE | tiles DIR LOG_VKEY [WITNESS_VKEY...] | cosigned NOTE LOG_VKEY WITNESS_VKEY...")
	}
	switch os.Args[1] {
	case "vectors":
		checkVectors(os.Args[2])
	case "tiles":
		if len(os.Args) < 4 {
			fail("tiles DIR LOG_VKEY [WITNESS_VKEY...]")
		}
		checkTiles(os.Args[2], os.Args[3], os.Args[4:])
	case "cosigned":
		msg, err := os.ReadFile(os.Args[2])
		if err != nil {
			fail("%v", err)
		}
		n, cp := openCheckpoint(msg, os.Args[3])
		for _, w := range os.Args[4:] {
			name, t := checkCosignature(n, w)
			fmt.Printf("ok: cosignature by %s at %d\n", name, t)
		}
		fmt.Printf("ok: checkpoint %s size %d\n", cp.origin, cp.size)
	default:
		fail("unknown command %q", os.Args[1])
	}
}
