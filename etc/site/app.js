// Lists the newest posts and creates users and posts through the API (same origin).
const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const response = await fetch(path, {
    method, headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  $("served").textContent = `This answer: ${response.headers.get("X-Roster-Web") || "?"} → ${response.headers.get("X-Roster-App") || "?"}.`;
  if (!response.ok) throw new Error(data.field ? `${data.field}: ${data.error}` : data.error || response.statusText);
  return data;
}

function render(posts) {
  $("posts").replaceChildren(...posts.map((post) => {
    const article = document.createElement("article");
    const title = document.createElement("h2");
    title.textContent = post.title;
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = `#${post.id} by user ${post.author_id} at ${post.created_at}`;
    const body = document.createElement("p");
    body.textContent = post.body;
    article.append(title, meta, body);
    return article;
  }));
}

async function refresh(consistent) {
  const { posts } = await api("GET", `/api/posts?limit=20${consistent ? "&consistent=1" : ""}`);
  render(posts);
}

$("new").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("error").textContent = "";
  try {
    let userId = Number(localStorage.getItem(`user:${$("email").value}`));
    if (!userId) {
      const user = await api("POST", "/api/users", { name: $("name").value, email: $("email").value });
      userId = user.id;
      localStorage.setItem(`user:${$("email").value}`, userId);
    }
    await api("POST", "/api/posts", { author_id: userId, title: $("title").value, body: $("body").value });
    $("title").value = ""; $("body").value = "";
    await refresh(true);
  } catch (error) {
    $("error").textContent = error.message;
  }
});

refresh(false).catch((error) => { $("error").textContent = error.message; });
