package deploy

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/x509"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/genapp-go/genapp/internal/proctest"
	"github.com/genapp-go/genapp/internal/toolstest"
)

const (
	// imagePolicy is the containers signature policy make image builds
	// with: images from local storage only.
	imagePolicy = "image/policy.json"
	// caBundle is where Debian's ca-certificates puts the bundle that make
	// image copies, and where the image has it (Go's crypto/x509 looks
	// there first on Linux).
	caBundle = "/etc/ssl/certs/ca-certificates.crt"
	// maxImageBytes bounds the image's one layer, uncompressed: 45 MB today,
	// almost all of it the demo's binary.
	maxImageBytes = 64 << 20
)

// TestImage builds the demo bot's image with make image, as a machine with
// no registry access does (the Containerfile starts FROM scratch and the
// signature policy refuses every image but local ones), into buildah
// storage of the test's own (vfs, in a temporary directory; the one file
// written elsewhere is containers/image's blob-info cache, in
// /var/lib/containers/cache for root). It checks that the
// image is the one the manifests run, under the numeric user they run as,
// and holds the static, stripped, -trimpath binary and the CA
// certificates, owned by root and writable by no one else, and nothing else
// (no shell). Then it runs the image's entrypoint with buildah run
// --isolation chroot, which shares the host's network: scrapes /prometheus
// and /health on a loopback port from the test, checks the process runs as
// 65532 with no capability (so it can write nowhere in the image: a
// read-only root file system changes nothing for it), and stops it with
// SIGTERM, as the kubelet does: exit 0. It runs as root, as CI does:
// rootless buildah maps the image's user to a subordinate uid that the test
// could neither signal nor clean up after.
func TestImage(t *testing.T) {
	buildah := toolstest.Require(t, "buildah")
	mk := toolstest.Require(t, "make")
	if os.Geteuid() != 0 {
		if os.Getenv(toolstest.RequireEnv) == "1" {
			t.Fatalf("%s=1 and not root: TestImage runs buildah as root (CI does)", toolstest.RequireEnv)
		}
		t.Skip("not root: TestImage runs buildah as root (CI does)")
	}
	m := loadManifests(t)
	dep, _ := only[*appsv1.Deployment](t, m, "Deployment")
	wantName := dep.Spec.Template.Spec.Containers[0].Image

	dir := t.TempDir()
	b := &buildahCmd{t: t, path: buildah, storage: []string{
		"--root", filepath.Join(dir, "storage"), "--runroot", filepath.Join(dir, "run"), "--storage-driver", "vfs",
	}}
	policy, err := filepath.Abs(imagePolicy)
	if err != nil {
		t.Fatal(err)
	}

	// make image, with its own IMAGE: the default, which the manifests run.
	start := time.Now()
	build := exec.Command(mk, "-C", "..", "image", "BUILDAH="+buildah,
		"BUILDAH_FLAGS="+strings.Join(b.storage, " "), "IMAGE_CONTEXT="+filepath.Join(dir, "context"))
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("make image: %v\n%s", err, out)
	}
	t.Logf("make image took %v", time.Since(start).Round(time.Second))
	var images []struct {
		Names []string `json:"names"`
	}
	if err := json.Unmarshal(b.run("images", "--json"), &images); err != nil {
		t.Fatal(err)
	}
	if len(images) != 1 || !slices.Equal(images[0].Names, []string{wantName}) {
		t.Fatalf("make image left %+v in storage, want one image named %s, as the manifests run it", images, wantName)
	}

	// Its configuration.
	var inspect struct {
		OCIv1 struct {
			Config imageConfig `json:"config"`
		} `json:"OCIv1"`
	}
	if err := json.Unmarshal(b.run("inspect", "--type", "image", wantName), &inspect); err != nil {
		t.Fatal(err)
	}
	config := inspect.OCIv1.Config
	if want := fmt.Sprintf("%d:%d", imageUser, imageUser); config.User != want {
		t.Errorf("image user %q, want %q (numeric, the pods' runAsUser and runAsGroup)", config.User, want)
	}
	if !slices.Equal(config.Entrypoint, []string{"/demobot"}) || len(config.Cmd) != 0 {
		t.Errorf("image entrypoint %q cmd %q, want [/demobot] alone", config.Entrypoint, config.Cmd)
	}
	for _, p := range dep.Spec.Template.Spec.Containers[0].Ports {
		if _, ok := config.ExposedPorts[fmt.Sprintf("%d/tcp", p.ContainerPort)]; !ok {
			t.Errorf("image exposes %v, not the container port %s %d of the manifests", slices.Collect(maps.Keys(config.ExposedPorts)), p.Name, p.ContainerPort)
		}
	}

	// Its files, from the image as buildah push writes it.
	layout := filepath.Join(dir, "oci")
	b.run("push", "--signature-policy", policy, wantName, "oci:"+layout)
	files, compressed, uncompressed := readImage(t, layout)
	t.Logf("image %s: %d bytes compressed (what a registry stores and a node pulls), %d uncompressed", wantName, compressed, uncompressed)
	if uncompressed > maxImageBytes {
		t.Errorf("image layer %d bytes uncompressed, above %d: what grew?", uncompressed, maxImageBytes)
	}
	checkImageFiles(t, files)

	// Run it.
	ctr := strings.TrimSpace(string(b.run("from", "--pull=never", "--signature-policy", policy, wantName)))
	t.Cleanup(func() { b.run("rm", ctr) })
	addr := proctest.FreeAddr(t)
	argv := append(slices.Concat(config.Entrypoint, config.Cmd), "-metrics-addr", addr)
	p := proctest.Start(t, exec.Command(buildah, slices.Concat(b.storage, []string{"run", "--isolation", "chroot", ctr, "--"}, argv)...))
	waitLine(t, p, metricsLine)
	pid := findProcess(t, argv)
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) }) // if the test stops before SIGTERM has
	checkContainerProcess(t, pid)
	deadline := time.Now().Add(30 * time.Second)
	for metrics := get(t, "http://"+addr+"/prometheus"); !strings.Contains(metrics, "genapp_action_count_total{"); metrics = get(t, "http://"+addr+"/prometheus") {
		if time.Now().After(deadline) {
			t.Fatalf("no action counted on /prometheus within 30 s:\n%s", metrics)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if body := get(t, "http://"+addr+"/health"); body == "" {
		t.Error("/health answered nothing")
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Exited:
	case <-time.After(30 * time.Second):
		t.Fatal("still running 30 s after SIGTERM")
	}
	if code := p.Cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0\nstderr:\n%s", code, p.Stderr)
	}
	if !strings.Contains(p.Stdout.String(), "demobot: stopped") {
		t.Errorf("no clean stop in the output:\n%s", p.Stdout)
	}
}

// buildahCmd runs buildah on the test's storage.
type buildahCmd struct {
	t       *testing.T
	path    string
	storage []string // global flags
}

// run runs buildah with args and returns its standard output; the test
// fails if buildah does.
func (b *buildahCmd) run(args ...string) []byte {
	b.t.Helper()
	cmd := exec.Command(b.path, append(slices.Clone(b.storage), args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		b.t.Fatalf("buildah %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// imageConfig is the part of an OCI image configuration the test reads.
type imageConfig struct {
	User         string              `json:"User"`
	Entrypoint   []string            `json:"Entrypoint"`
	Cmd          []string            `json:"Cmd"`
	ExposedPorts map[string]struct{} `json:"ExposedPorts"`
}

// imageFile is a file of the image's layers.
type imageFile struct {
	header *tar.Header
	data   []byte
}

// readImage reads the OCI image layout dir (one image): its files by path,
// and the bytes of its manifest, configuration and layers as stored
// (compressed) and uncompressed.
func readImage(t *testing.T, dir string) (files map[string]imageFile, compressed, uncompressed int64) {
	t.Helper()
	type descriptor struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Size      int64  `json:"size"`
	}
	blob := func(d descriptor) *os.File {
		algorithm, hex, _ := strings.Cut(d.Digest, ":")
		f, err := os.Open(filepath.Join(dir, "blobs", algorithm, hex))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	decode := func(r io.Reader, v any) {
		if err := json.NewDecoder(r).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	var index struct{ Manifests []descriptor }
	f, err := os.Open(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	decode(f, &index)
	if len(index.Manifests) != 1 {
		t.Fatalf("%s: %d manifests, want 1", dir, len(index.Manifests))
	}
	var manifest struct {
		Config descriptor
		Layers []descriptor
	}
	decode(blob(index.Manifests[0]), &manifest)
	compressed = index.Manifests[0].Size + manifest.Config.Size
	files = map[string]imageFile{}
	for _, l := range manifest.Layers {
		compressed += l.Size
		var r io.Reader = blob(l)
		switch l.MediaType {
		case "application/vnd.oci.image.layer.v1.tar":
		case "application/vnd.oci.image.layer.v1.tar+gzip":
			gz, err := gzip.NewReader(r)
			if err != nil {
				t.Fatal(err)
			}
			r = gz
		default:
			t.Fatalf("layer %s: media type %s", l.Digest, l.MediaType)
		}
		tr := tar.NewReader(r)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("layer %s: %v", l.Digest, err)
			}
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			uncompressed += int64(len(data))
			name := path.Clean(strings.TrimPrefix(h.Name, "./"))
			if _, dup := files[name]; dup {
				t.Errorf("%s in two layers", name)
			}
			files[name] = imageFile{h, data}
		}
	}
	return files, compressed, uncompressed
}

// checkImageFiles: the image holds the binary, static, stripped, built
// with -trimpath and CGO off, and the CA certificates of the build
// machine, and the directories that hold them; all owned by root and
// writable by root alone.
func checkImageFiles(t *testing.T, files map[string]imageFile) {
	t.Helper()
	want := []string{"demobot", "etc", "etc/ssl", "etc/ssl/certs", strings.TrimPrefix(caBundle, "/")}
	if got := slices.Sorted(maps.Keys(files)); !slices.Equal(got, want) {
		t.Errorf("image files %q, want %q and nothing else", got, want)
	}
	for name, f := range files {
		h := f.header
		mode := h.FileInfo().Mode()
		if h.Uid != 0 || h.Gid != 0 || mode&0o022 != 0 {
			t.Errorf("%s: %v owned by %d:%d: anyone but root may change it", name, mode, h.Uid, h.Gid)
		}
		wantType := byte(tar.TypeDir)
		if name == "demobot" || "/"+name == caBundle {
			wantType = tar.TypeReg
		}
		if h.Typeflag != wantType {
			t.Errorf("%s: type %q, want %q", name, h.Typeflag, wantType)
		}
	}
	if mode := files["demobot"].header.FileInfo().Mode(); mode&0o001 == 0 {
		t.Errorf("demobot: mode %v, not executable by the image's user", mode)
	}
	if mode := files[strings.TrimPrefix(caBundle, "/")].header.FileInfo().Mode(); mode&0o004 == 0 {
		t.Errorf("%s: mode %v, not readable by the image's user", caBundle, mode)
	}
	bin := files["demobot"].data
	exe, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		t.Fatalf("demobot: %v", err)
	}
	for _, p := range exe.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("demobot: a %v program header: not a static binary", p.Type)
		}
	}
	for _, s := range exe.Sections {
		if s.Name == ".symtab" || strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_") {
			t.Errorf("demobot: has a %s section: not stripped (-ldflags '-s -w')", s.Name)
		}
	}
	info, err := buildinfo.Read(bytes.NewReader(bin))
	if err != nil {
		t.Fatalf("demobot: %v", err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	// (With -trimpath, go build records no -ldflags: the sections above
	// tell the stripping.)
	if info.Path != "github.com/genapp-go/genapp/cmd/demobot" || settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" {
		t.Errorf("demobot: built as %s with %v, want cmd/demobot with CGO_ENABLED=0 and -trimpath", info.Path, settings)
	}
	certs := files[strings.TrimPrefix(caBundle, "/")].data
	if host, err := os.ReadFile(caBundle); err != nil || !bytes.Equal(certs, host) {
		t.Errorf("%s of the image is not the build machine's (%v)", caBundle, err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(certs) {
		t.Errorf("%s of the image holds no certificate", caBundle)
	}
}

// findProcess returns the process whose command line is argv: the
// container's, which buildah run started on the host's process table.
func findProcess(t *testing.T, argv []string) int {
	t.Helper()
	want := strings.Join(argv, "\x00") + "\x00"
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		entries, err := os.ReadDir("/proc")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			if cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil && string(cmdline) == want {
				return pid
			}
		}
	}
	t.Fatalf("no process %q", argv)
	return 0
}

// checkContainerProcess: the container's process runs as the image's user
// and group, with no capability (none to write past file permissions),
// and on the host's network namespace, which is what lets the test reach
// it on loopback.
func checkContainerProcess(t *testing.T, pid int) {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{}
	for line := range strings.Lines(string(status)) {
		k, v, _ := strings.Cut(line, ":")
		fields[k] = strings.Join(strings.Fields(v), " ")
	}
	id := strconv.Itoa(imageUser)
	all := strings.Join([]string{id, id, id, id}, " ")
	if fields["Uid"] != all || fields["Gid"] != all {
		t.Errorf("container process: Uid %q Gid %q, want %s everywhere", fields["Uid"], fields["Gid"], id)
	}
	if fields["CapEff"] != "0000000000000000" {
		t.Errorf("container process: effective capabilities %s, want none", fields["CapEff"])
	}
	netns := func(pid string) string {
		link, err := os.Readlink(filepath.Join("/proc", pid, "ns", "net"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		return link
	}
	if c, self := netns(strconv.Itoa(pid)), netns("self"); c != self {
		t.Errorf("container network namespace %s, the test's %s: chroot isolation should share the host's", c, self)
	}
}

// get returns the body of a 200 answer to GET url.
func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, body)
	}
	return string(body)
}
